package dedup

import (
	"context"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		for i, row := range []struct {
			state string
			age   time.Duration
		}{{"dispatched", time.Hour}, {"closed", time.Hour}, {"triage", 30 * 24 * time.Hour}, {"received", 0}} {
			_, err := db.ExecContext(ctx, `INSERT INTO tickets (tracking_code, channel, title, body, state, citizen_key,
				received_at, created_at, updated_at) VALUES (?, 'qr', '标题', '正文', ?, 'k', ?, 0, 0)`,
				string(rune('A'+i)), row.state, at.Add(-row.age).UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
		}
		docs, err := Load(ctx, db, at.Add(-7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 2 {
			t.Fatalf("loaded %d documents, want the 2 open ones in the window: %+v", len(docs), docs)
		}
		if docs[0].Text != "标题\n正文" || docs[0].CitizenKey != "k" || !docs[0].At.Equal(at.Add(-time.Hour)) {
			t.Errorf("first document = %+v", docs[0])
		}
	})
}
