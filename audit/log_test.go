package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
	"minyi/store/storetest"
)

func TestAppendRejectsInvalidRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := testLog(t)
		valid := sampleRecord(0, testStart)
		tests := []struct {
			name   string
			change func(r *Record)
			want   string
		}{
			{"empty action", func(r *Record) { r.Action = "" }, "invalid action"},
			{"action without area", func(r *Record) { r.Action = "read" }, "invalid action"},
			{"action in upper case", func(r *Record) { r.Action = "Ticket.Read" }, "invalid action"},
			{"unknown result", func(r *Record) { r.Result = "maybe" }, "invalid result"},
			{"negative ticket", func(r *Record) { r.TicketID = -1 }, "must not be negative"},
			{"long purpose", func(r *Record) { r.Purpose = strings.Repeat("字", 1000) }, "purpose is longer than"},
			{"long client address", func(r *Record) { r.ClientAddr = strings.Repeat("1", 300) }, "client address is longer than"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := valid
				tt.change(&r)
				err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := l.Append(ctx, tx, r)
					return err
				})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("append error = %v, want %q", err, tt.want)
				}
			})
		}
		size, err := treeSize(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if size != 0 {
			t.Fatalf("tree size = %d after rejected appends, want 0", size)
		}
	})
}

func TestAppendStoresRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 9, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
		l, err := New(Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		in := sampleRecord(0, time.Time{})
		in.Purpose = "跟进 <回访> & 核实\xff"
		var seq int64
		err = db.InTx(ctx, func(tx *store.Tx) error {
			seq, err = l.Append(ctx, tx, in)
			return err
		})
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		if seq != 1 {
			t.Fatalf("seq = %d, want 1", seq)
		}
		got, err := l.Query(ctx, db, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("query returned %d records, want 1", len(got))
		}
		want := in
		want.Seq = 1
		want.Time = now.UTC().Truncate(time.Millisecond)
		want.Purpose = "跟进 <回访> & 核实\uFFFD"
		if !got[0].Time.Equal(want.Time) || got[0].Time.Location() != time.UTC {
			t.Errorf("time = %v, want %v in UTC", got[0].Time, want.Time)
		}
		a, _ := canonical(got[0])
		b, _ := canonical(want)
		if string(a) != string(b) {
			t.Errorf("stored record = %s\nwant %s", a, b)
		}
	})
}

// readSetting stands for a read handler: it reads a value and records the
// access in one transaction, and returns nothing if either fails.
func readSetting(ctx context.Context, db *store.DB, l *Log, key string) (string, error) {
	var value string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&value); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = ? WHERE key = ?", value+"+read", key); err != nil {
			return err
		}
		_, err := l.Append(ctx, tx, Record{Action: ActionTicketRead, Result: ResultOK, AccountID: 1, Fields: []string{"value"}})
		return err
	})
	if err != nil {
		return "", err
	}
	return value, nil
}

func TestAppendFailureFailsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := testLog(t)
		if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "probe", "v1"); err != nil {
			t.Fatal(err)
		}
		got, err := readSetting(ctx, db, l, "probe")
		if err != nil || got != "v1" {
			t.Fatalf("read with a working log = %q, %v; want v1", got, err)
		}
		rejectTrigger := map[store.Dialect][]string{
			store.SQLite: {`CREATE TRIGGER audit_reject BEFORE INSERT ON audit_records
				BEGIN SELECT RAISE(ABORT, 'audit storage full'); END`},
			store.Postgres: {`CREATE FUNCTION audit_reject() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'audit storage full'; END $$`,
				`CREATE TRIGGER audit_reject BEFORE INSERT ON audit_records
				FOR EACH ROW EXECUTE FUNCTION audit_reject()`},
		}
		tests := []struct {
			name       string
			statements []string
		}{
			{"insert rejected by trigger", rejectTrigger[db.Dialect]},
			// Dropping the table drops its trigger too, on both databases.
			{"records table dropped", []string{"DROP TABLE audit_records"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, q := range tt.statements {
					if _, err := db.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				got, err := readSetting(ctx, db, l, "probe")
				if err == nil {
					t.Fatal("read succeeded although its audit record could not be written")
				}
				if got != "" {
					t.Errorf("read returned %q with the error, want nothing", got)
				}
				var value string
				if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", "probe").Scan(&value); err != nil {
					t.Fatal(err)
				}
				if value != "v1+read" {
					t.Errorf("setting = %q, want v1+read: the failed transaction's write was kept", value)
				}
				var hashes int64
				if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_hashes").Scan(&hashes); err != nil {
					t.Fatal(err)
				}
				size, err := treeSize(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				if size != 1 || hashes != 1 {
					t.Errorf("tree size %d with %d stored hashes after the failed append, want 1 and 1", size, hashes)
				}
			})
		}
	})
}

func TestAppendConcurrentNoGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key := testLog(t)
		const workers, each = 8, 25
		var mu sync.Mutex
		var seqs []int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					var seq int64
					err := db.InTx(ctx, func(tx *store.Tx) error {
						var err error
						seq, err = l.Append(ctx, tx, sampleRecord(w*each+i, testStart))
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					seqs = append(seqs, seq)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent append: %v", err)
		}
		slices.Sort(seqs)
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("sequence numbers %v: position %d has %d, want %d", seqs[max(0, i-2):min(len(seqs), i+3)], i, s, i+1)
			}
		}
		if len(seqs) != workers*each {
			t.Fatalf("%d appends, want %d", len(seqs), workers*each)
		}
		checkpoint(t, db, l)
		if _, err := VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier); err != nil {
			t.Fatalf("verify after concurrent appends: %v", err)
		}
	})
}

func TestQueryFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := testLog(t)
		appendRecords(t, db, l, 0, 45, testStart) // record i has time testStart + i minutes
		tests := []struct {
			name string
			f    Filter
			want func(r Record) bool
			max  int
		}{
			{"all", Filter{Limit: 1000}, func(Record) bool { return true }, 0},
			{"ticket", Filter{TicketID: 101}, func(r Record) bool { return r.TicketID == 101 }, 0},
			{"account and period", Filter{AccountID: 2, From: testStart.Add(10 * time.Minute), To: testStart.Add(30 * time.Minute)},
				func(r Record) bool {
					return r.AccountID == 2 && !r.Time.Before(testStart.Add(10*time.Minute)) && r.Time.Before(testStart.Add(30*time.Minute))
				}, 0},
			{"exports and contacts", Filter{Actions: []string{ActionTicketExport, ActionTicketContact}},
				func(r Record) bool { return r.Action == ActionTicketExport || r.Action == ActionTicketContact }, 0},
			{"limit", Filter{Limit: 7}, func(Record) bool { return true }, 7},
		}
		all, err := l.Query(ctx, db, Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 45 {
			t.Fatalf("all records: %d, want 45", len(all))
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := l.Query(ctx, db, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var want []int64
				for _, r := range all {
					if tt.want(r) {
						want = append(want, r.Seq)
					}
				}
				if tt.max > 0 {
					want = want[:tt.max]
				}
				var seqs []int64
				for _, r := range got {
					seqs = append(seqs, r.Seq)
				}
				if len(want) == 0 {
					t.Fatal("filter selects nothing in the fixture; the test proves nothing")
				}
				if !slices.Equal(seqs, want) {
					t.Fatalf("seqs = %v, want %v", seqs, want)
				}
			})
		}
		page, err := l.Query(ctx, db, Filter{Limit: 10, Offset: 40})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 5 || page[0].Seq != 5 {
			t.Fatalf("last page: %d records starting at %v, want 5 starting at 5", len(page), page)
		}
	})
}

func TestCheckpointer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t.Run("every n records", func(t *testing.T) {
			l, key := testLog(t)
			c := NewCheckpointer(l, db, CheckpointerOptions{Every: 5, Interval: time.Hour, Poll: 10 * time.Millisecond})
			go c.Run(ctx)
			// Each batch is appended only after the checkpoint of the one before,
			// so the sizes signed do not depend on how fast the checkpointer runs.
			appendRecords(t, db, l, 0, 4, testStart)
			appendRecords(t, db, l, 4, 1, testStart)
			waitForCheckpoint(t, db, 5)
			appendRecords(t, db, l, 5, 5, testStart)
			waitForCheckpoint(t, db, 10)
			appendRecords(t, db, l, 10, 2, testStart)
			if err := c.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if got, want := checkpointSizes(t, db), []int64{5, 10, 12}; !slices.Equal(got, want) {
				t.Fatalf("checkpoint sizes %v, want %v", got, want)
			}
			if _, err := VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
		t.Run("interval", func(t *testing.T) {
			l, _ := testLog(t)
			c := NewCheckpointer(l, db, CheckpointerOptions{Every: 1000, Interval: 50 * time.Millisecond})
			go c.Run(ctx)
			defer c.Close()
			appendRecords(t, db, l, 12, 3, testStart)
			waitForCheckpoint(t, db, 15)
		})
	})
}

// checkpointWait bounds waitForCheckpoint. It is long because the
// machine running the tests may be busy; a passing run returns as soon as the
// checkpoint exists.
const checkpointWait = 2 * time.Minute

// waitForCheckpoint polls until the database holds a checkpoint of at least
// size records.
func waitForCheckpoint(t *testing.T, db *store.DB, size int64) {
	t.Helper()
	deadline := time.Now().Add(checkpointWait)
	for {
		last, err := latestCheckpoint(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if last != nil && last.Size >= size {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size %d within %v (newest: %v)", size, checkpointWait, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkpointSizes returns the tree sizes of the checkpoints in the database,
// smallest first.
func checkpointSizes(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT size FROM audit_checkpoints ORDER BY size")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sizes []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return sizes
}

func TestCheckpointEmptyAndUnchanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := testLog(t)
		if _, err := l.Checkpoint(ctx, db); !errors.Is(err, ErrEmptyLog) {
			t.Fatalf("checkpoint of empty log: %v, want ErrEmptyLog", err)
		}
		appendRecords(t, db, l, 0, 3, testStart)
		first := checkpoint(t, db, l)
		again := checkpoint(t, db, l)
		if again.Size != first.Size || again.Root != first.Root {
			t.Fatalf("second checkpoint %d/%x differs from first %d/%x", again.Size, again.Root, first.Size, first.Root)
		}
		data, err := os.ReadFile(l.checkpointPath)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), "\n— "); n != 1 {
			t.Fatalf("checkpoint file has %d signatures, want 1", n)
		}
	})
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.key")
	k1, err := LoadOrCreateKey(path, testOrigin)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path, "")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if k1.VerifierKey != k2.VerifierKey {
		t.Fatalf("loaded verifier %s, created %s", k2.VerifierKey, k1.VerifierKey)
	}
	if _, err := LoadOrCreateKey(path, "minyi/other/audit"); err == nil {
		t.Error("key loaded for another origin")
	}
	if _, err := LoadOrCreateKey(filepath.Join(dir, "missing.key"), ""); err == nil {
		t.Error("key created without an origin")
	}
	v, err := ParseVerifier(k1.VerifierKey)
	if err != nil {
		t.Fatalf("parse verifier: %v", err)
	}
	if v.KeyHash() != k1.Signer.KeyHash() || v.Name() != testOrigin {
		t.Errorf("verifier %s+%08x does not match signer %s+%08x", v.Name(), v.KeyHash(), k1.Signer.Name(), k1.Signer.KeyHash())
	}
	if _, err := ParseVerifier(path); err == nil || !strings.Contains(err.Error(), "private signing key") {
		t.Errorf("parse verifier of the private key file: %v, want a rejection", err)
	}
}

func TestCheckpointRejectsTruncatedTree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := testLog(t)
		appendRecords(t, db, l, 0, 6, testStart)
		checkpoint(t, db, l)
		// Remove the newest two records as someone with write access to the
		// database could, leaving a tree that is smaller than the signed one.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, q := range []string{
				"DELETE FROM audit_records WHERE seq > 4",
				"DELETE FROM audit_hashes WHERE idx >= 7",
				"UPDATE audit_head SET size = 4",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Checkpoint(ctx, db); !errors.Is(err, ErrInconsistent) {
			t.Fatalf("checkpoint of truncated tree: %v, want ErrInconsistent", err)
		}
		appendRecords(t, db, l, 10, 3, testStart)
		if _, err := l.Checkpoint(ctx, db); !errors.Is(err, ErrInconsistent) {
			t.Fatalf("checkpoint of truncated and regrown tree: %v, want ErrInconsistent", err)
		}
	})
}

func TestLastFileCheckpointLongFile(t *testing.T) {
	l, key := testLog(t)
	var text strings.Builder
	const n = 200 // about 40 KiB, more than checkpointTail
	for size := int64(1); size <= n; size++ {
		root := tlog.RecordHash([]byte(strconv.FormatInt(size, 10)))
		msg, err := note.Sign(&note.Note{Text: checkpointBody(key.Origin, size, root, time.Time{})}, key.Signer)
		if err != nil {
			t.Fatal(err)
		}
		text.Write(msg)
		text.WriteByte('\n')
	}
	if text.Len() <= checkpointTail {
		t.Fatalf("file of %d bytes does not exceed the %d bytes read", text.Len(), checkpointTail)
	}
	if err := os.WriteFile(l.checkpointPath, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	last, err := l.lastFileCheckpoint()
	if err != nil {
		t.Fatalf("last checkpoint: %v", err)
	}
	if last.Size != n {
		t.Fatalf("last checkpoint size %d, want %d", last.Size, n)
	}
}
