package privacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

// entry is a vault value the test expects to read back.
type entry struct {
	ticketID int64
	value    string
}

// seedVault stores a phone number for n new tickets in one transaction.
func seedVault(t *testing.T, db *store.DB, v *Vault, n int) []entry {
	t.Helper()
	ctx := context.Background()
	var out []entry
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for range n {
			id, err := insertTicket(ctx, tx)
			if err != nil {
				return err
			}
			e := entry{id, genMobile("150")}
			if err := v.Put(ctx, tx, id, FieldPhone, e.value); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return out
}

func countOffKey(t *testing.T, db *store.DB, keyID string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM vault WHERE key_id <> ?`, keyID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVaultRotateUnderLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKeys := testKeys(t)
		seeded := seedVault(t, db, testVault(t, oldKeys), 1000)

		newKeys := oldKeys.Clone()
		if _, err := newKeys.AddKey(); err != nil {
			t.Fatal(err)
		}
		v := testVault(t, newKeys)

		var (
			mu       sync.Mutex
			known    = append([]entry(nil), seeded...)
			failures []string
			rotating atomic.Bool
			stop     atomic.Bool
			writes   atomic.Int64 // writes completed while the rotation ran
			reads    atomic.Int64 // reads completed while the rotation ran
			wg       sync.WaitGroup
		)
		fail := func(format string, args ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		for w := range 2 {
			wg.Go(func() {
				for !stop.Load() {
					value := genMobileSafe(&mu, "186")
					var id int64
					err := db.InTx(ctx, func(tx *store.Tx) error {
						var err error
						if id, err = insertTicket(ctx, tx); err != nil {
							return err
						}
						return v.Put(ctx, tx, id, FieldPhone, value)
					})
					if err != nil {
						fail("writer %d: %v", w, err)
						return
					}
					mu.Lock()
					known = append(known, entry{id, value})
					mu.Unlock()
					if rotating.Load() {
						writes.Add(1)
					}
				}
			})
		}
		for r := range 2 {
			wg.Go(func() {
				for i := r; !stop.Load(); i += 7 {
					mu.Lock()
					e := known[i%len(known)]
					mu.Unlock()
					got, err := v.Get(ctx, db, e.ticketID, FieldPhone)
					if err != nil || got != e.value {
						fail("reader %d: ticket %d: got %q, %v", r, e.ticketID, got, err)
						return
					}
					if rotating.Load() {
						reads.Add(1)
					}
				}
			})
		}

		time.Sleep(50 * time.Millisecond)
		rotating.Store(true)
		start := time.Now()
		moved, err := v.Rotate(ctx, db, 20)
		elapsed := time.Since(start)
		rotating.Store(false)
		time.Sleep(20 * time.Millisecond)
		stop.Store(true)
		wg.Wait()

		if err != nil {
			t.Fatalf("rotate: %v", err)
		}
		t.Logf("rotated %d rows in %v with %d writes and %d reads beside it", moved, elapsed, writes.Load(), reads.Load())
		for _, f := range failures {
			t.Error(f)
		}
		if moved != len(seeded) {
			t.Errorf("rotate moved %d rows, want %d", moved, len(seeded))
		}
		if writes.Load() == 0 || reads.Load() == 0 {
			t.Errorf("no load during rotation: %d writes, %d reads", writes.Load(), reads.Load())
		}
		if n := countOffKey(t, db, newKeys.Primary); n != 0 {
			t.Errorf("%d rows left off the primary key", n)
		}

		// Every value must now be readable without the old key.
		onlyNew := newKeys.Clone()
		onlyNew.AEAD = onlyNew.AEAD[1:]
		vNew := testVault(t, onlyNew)
		for _, e := range known {
			if got, err := vNew.Get(ctx, db, e.ticketID, FieldPhone); err != nil || got != e.value {
				t.Fatalf("ticket %d without the old key: %q, %v", e.ticketID, got, err)
			}
		}
		if again, err := v.Rotate(ctx, db, 20); err != nil || again != 0 {
			t.Errorf("second rotate = %d, %v; want 0, nil", again, err)
		}
	})
}

// genMobileSafe serialises access to the shared generator.
func genMobileSafe(mu *sync.Mutex, prefix string) string {
	mu.Lock()
	defer mu.Unlock()
	return genMobile(prefix)
}

func TestVaultRotateUnreadableRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKeys := testKeys(t)
		seeded := seedVault(t, db, testVault(t, oldKeys), 3)
		if _, err := db.ExecContext(ctx, `UPDATE vault SET ciphertext = ? WHERE ticket_id = ?`,
			[]byte("not a ciphertext, long enough to open"), seeded[1].ticketID); err != nil {
			t.Fatal(err)
		}
		newKeys := oldKeys.Clone()
		if _, err := newKeys.AddKey(); err != nil {
			t.Fatal(err)
		}
		_, err := testVault(t, newKeys).Rotate(ctx, db, 10)
		if !errors.Is(err, ErrDecrypt) {
			t.Errorf("rotate over a damaged row: err = %v, want ErrDecrypt", err)
		}
		if err != nil && strings.Contains(err.Error(), seeded[1].value) {
			t.Errorf("error contains the phone number: %v", err)
		}
	})
}

func TestVaultShred(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		shredded, kept := newTicket(t, db), newTicket(t, db)
		for _, id := range []int64{shredded, kept} {
			for field, value := range map[string]string{FieldPhone: genMobile("138"), FieldName: "测试人",
				FieldIDNumber: genID18("430102", "19900101")} {
				if err := v.Put(ctx, db, id, field, value); err != nil {
					t.Fatal(err)
				}
			}
		}
		var secret []byte
		if err := db.QueryRowContext(ctx, `SELECT ciphertext FROM vault WHERE ticket_id = ? AND field = 'phone'`,
			shredded).Scan(&secret); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return v.Shred(ctx, tx, shredded) }); err != nil {
			t.Fatalf("shred: %v", err)
		}
		for _, field := range []string{FieldPhone, FieldName, FieldIDNumber} {
			if _, err := v.Get(ctx, db, shredded, field); !errors.Is(err, ErrNotFound) {
				t.Errorf("shredded %s: err = %v, want ErrNotFound", field, err)
			}
			if _, err := v.Get(ctx, db, kept, field); err != nil {
				t.Errorf("kept %s: %v", field, err)
			}
		}
		var tickets int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = ?`, shredded).Scan(&tickets); err != nil || tickets != 1 {
			t.Errorf("shredded ticket row count = %d, %v; want 1", tickets, err)
		}
		if db.Dialect == store.SQLite {
			assertNotInFiles(t, db, secret)
		}
	})
}

// assertNotInFiles checkpoints a SQLite database and checks that neither the
// database file nor its WAL contains b.
func assertNotInFiles(t *testing.T, db *store.DB, b []byte) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	path := strings.TrimPrefix(db.DSN, "sqlite:")
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			t.Errorf("%s still contains the shredded ciphertext", p)
		}
	}
}
