package store_test

import (
	"context"
	"sync"
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

// TestInTxRetriesDeadlock makes two PostgreSQL transactions lock two rows in
// opposite orders. The server aborts one of them as a deadlock, and InTx
// runs it again, so both succeed.
func TestInTxRetriesDeadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.DialectName() != store.Postgres {
			t.Skip("SQLite has one writer, so its transactions cannot deadlock")
		}
		ctx := context.Background()
		for _, key := range []string{"deadlock-a", "deadlock-b"} {
			if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, '0')", key); err != nil {
				t.Fatal(err)
			}
		}
		var firstLocks sync.WaitGroup
		firstLocks.Add(2)
		lockBoth := func(first, second string, once *sync.Once) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = value || 'x' WHERE key = ?", first); err != nil {
					return err
				}
				// Only the first attempt waits for the other transaction's
				// first lock; a retry runs straight through.
				once.Do(func() {
					firstLocks.Done()
					firstLocks.Wait()
				})
				_, err := tx.ExecContext(ctx, "UPDATE settings SET value = value || 'y' WHERE key = ?", second)
				return err
			}
		}
		var onceA, onceB sync.Once
		errs := make(chan error, 2)
		go func() { errs <- db.InTx(ctx, lockBoth("deadlock-a", "deadlock-b", &onceA)) }()
		go func() { errs <- db.InTx(ctx, lockBoth("deadlock-b", "deadlock-a", &onceB)) }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("transaction failed: %v", err)
			}
		}
		for _, key := range []string{"deadlock-a", "deadlock-b"} {
			var value string
			if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&value); err != nil {
				t.Fatal(err)
			}
			if len(value) != 3 {
				t.Errorf("%s = %q, want both transactions' changes once each", key, value)
			}
		}
	})
}
