package hot

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
		for i, row := range []struct{ state, path string }{
			{"dispatched", "/bureau/br-qinghe/ps-dongguan/"}, {"closed", "/bureau/br-wangjiang/ps-binjiang/"},
			{"invalid", "/bureau/br-qinghe/ps-dongguan/"}, {"triage", ""},
		} {
			_, err := db.ExecContext(ctx, `INSERT INTO tickets (tracking_code, channel, title, body, state, unit_path,
				received_at, created_at, updated_at) VALUES (?, 'qr', '标题', '正文', ?, ?, ?, 0, 0)`,
				string(rune('A'+i)), row.state, row.path, at.UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name, scope string
			want        int
		}{{"every unit", "", 3}, {"one branch", "/bureau/br-qinghe/", 1}, {"other branch", "/bureau/br-yunling/", 0}}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				items, err := Load(ctx, db, at.Add(-time.Hour), tc.scope)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != tc.want {
					t.Errorf("loaded %d items, want %d", len(items), tc.want)
				}
			})
		}
	})
}
