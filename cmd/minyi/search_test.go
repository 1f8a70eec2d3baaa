package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
)

func TestSearchReindexCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, body := range []string{"楼上噪音扰民", "路口红灯太短", "小区噪音"} {
			_, err := db.ExecContext(ctx, `INSERT INTO tickets (tracking_code, channel, body, state, received_at,
				created_at, updated_at) VALUES (?, 'qr', ?, 'triage', 1, 1, 1)`, "R"+strings.Repeat("X", i+1), body)
			if err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		a := &app{cfg: config{Profile: "police"}, stdout: &out, stderr: io.Discard,
			log: slog.New(slog.DiscardHandler), db: db}
		if err := runSearch(ctx, a, []string{"reindex", "--batch", "2"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "indexed 3 ") {
			t.Errorf("output %q does not report 3 tickets", out.String())
		}
		res, err := search.Find(ctx, db, search.Query{Text: "噪音"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 {
			t.Errorf("after reindex 噪音 finds %d tickets, want 2", res.Total)
		}
	})
}

func TestSearchCommandUsage(t *testing.T) {
	a := &app{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	for _, args := range [][]string{nil, {"rebuild"}, {"reindex", "--batch", "0"}, {"reindex", "extra"}} {
		var ue usageError
		if err := runSearch(context.Background(), a, args); !errors.As(err, &ue) {
			t.Errorf("minyi search %v: %v, want a usage error", args, err)
		}
	}
}
