package store_test

import (
	"context"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

func TestMigrateAndRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		const text = "噪音扰民😀𠀀"
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "probe", text)
			return err
		})
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
		var got string
		if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", "probe").Scan(&got); err != nil {
			t.Fatalf("select: %v", err)
		}
		if got != text {
			t.Fatalf("round trip = %q, want %q", got, text)
		}
	})
}

func TestRebindPostgres(t *testing.T) {
	db := &store.DB{Dialect: store.Postgres}
	got := db.Rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)")
	want := "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
}
