package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

// retentionLog builds a log of 30 records: 10 a year old, signed then, and
// 20 of the last two days, signed at 20 and 30 with the clock at now.
func retentionLog(t *testing.T, db *store.DB) (*Log, *Key) {
	t.Helper()
	l, key, clock := testLogWithClock(t)
	now := clock.now
	old := now.AddDate(-1, 0, 0)
	appendRecords(t, db, l, 0, 10, old)
	clock.now = old.Add(time.Hour)
	checkpoint(t, db, l)
	clock.now = now
	appendRecords(t, db, l, 10, 10, now.Add(-48*time.Hour))
	checkpoint(t, db, l)
	appendRecords(t, db, l, 20, 10, now.Add(-time.Hour))
	checkpoint(t, db, l)
	return l, key
}

func TestVerifyDeletedRecentRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key := retentionLog(t, db)
		if _, err := db.ExecContext(ctx, "DELETE FROM audit_records WHERE seq = 25"); err != nil {
			t.Fatal(err)
		}
		for _, opts := range []ExportOptions{{}, {From: time.Now().Add(-time.Minute)}} {
			_, err := VerifyDir(export(t, db, l, opts), key.Verifier)
			want := "records.jsonl line 25: record 25 is missing (leaf hash only), but only records up to 10 were signed"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("export from %v: verify error = %v, want %q", opts.From, err, want)
			}
		}
	})
}

func TestVerifyDeletedOldRecordNotYetPurgeable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Records a year old, but first signed now: retention counts from
		// the signature, so none may be purged yet.
		l, key, _ := testLogWithClock(t)
		appendRecords(t, db, l, 0, 10, time.Now().AddDate(-1, 0, 0))
		checkpoint(t, db, l)

		n, err := l.Purge(ctx, db, time.Now().AddDate(0, -7, 0))
		if err != nil {
			t.Fatalf("purge: %v", err)
		}
		if n != 0 {
			t.Errorf("purged %d records, want 0: no checkpoint is %d days older than the newest",
				n, int(MinRetention.Hours()/24))
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM audit_records WHERE seq = 3"); err != nil {
			t.Fatal(err)
		}
		_, err = VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier)
		want := "line 3: record 3 is missing (leaf hash only), but only records up to 0 were signed"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("verify error = %v, want %q", err, want)
		}
	})
}

func TestPurgeThenVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key := retentionLog(t, db)
		n, err := l.Purge(ctx, db, time.Now().AddDate(0, -7, 0))
		if err != nil {
			t.Fatalf("purge: %v", err)
		}
		if n != 10 {
			t.Fatalf("purged %d records, want 10", n)
		}
		res, err := VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier)
		if err != nil {
			t.Fatalf("verify after purge: %v", err)
		}
		if res.Purged != 10 || res.Full != 20 {
			t.Errorf("verify counted %d purged and %d full records, want 10 and 20", res.Purged, res.Full)
		}
	})
}

func TestVerifyNamesChangedRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key, _, _ := signedExport(t, db)
		if _, err := db.ExecContext(ctx, "UPDATE audit_records SET purpose = 'listen' WHERE seq = 12"); err != nil {
			t.Fatal(err)
		}
		_, err := VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier)
		want := "records.jsonl line 12: record 12 does not match the leaf hash stored when it was written"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("verify error = %v, want %q", err, want)
		}
	})
}

func TestCheckpointBodyTime(t *testing.T) {
	root := [32]byte{1, 2, 3}
	signed := time.Date(2026, 12, 4, 23, 6, 0, 123_000_000, time.UTC)
	body := checkpointBody(testOrigin, 7, root, signed)
	if !strings.HasSuffix(body, "\ntime 2026-12-04T23:06:00.123Z\n") {
		t.Errorf("body %q does not end with the time line", body)
	}
	_, size, _, got, err := parseCheckpointBody(body)
	if err != nil || size != 7 || !got.Equal(signed) {
		t.Errorf("parse = size %d, time %v, error %v; want 7, %v", size, got, err, signed)
	}
	_, _, _, got, err = parseCheckpointBody(checkpointBody(testOrigin, 7, root, time.Time{}))
	if err != nil || !got.IsZero() {
		t.Errorf("parse without time line = %v, %v; want zero time", got, err)
	}
	for _, bad := range []string{"time 2026-12-04T23:06:00Z", "time yesterday", "note hello"} {
		b := strings.TrimSuffix(checkpointBody(testOrigin, 7, root, time.Time{}), "\n") + "\n" + bad + "\n"
		if _, _, _, _, err := parseCheckpointBody(b); err == nil {
			t.Errorf("extension line %q accepted", bad)
		}
	}
}

func TestCheckRecordsNamesChangedRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		signedExport(t, db)
		n, err := CheckRecords(ctx, db, 100)
		if err != nil || n != 30 {
			t.Fatalf("check of an untouched log: %d records, %v; want 30 and no error", n, err)
		}
		if _, err := db.ExecContext(ctx, "UPDATE audit_records SET purpose = 'listen' WHERE seq = 12"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "UPDATE audit_records SET account_id = 9 WHERE seq = 20"); err != nil {
			t.Fatal(err)
		}
		_, err = CheckRecords(ctx, db, 100)
		if !errors.Is(err, ErrRecordChanged) || !strings.Contains(err.Error(), "record 12 ") {
			t.Errorf("check error = %v, want ErrRecordChanged naming record 12", err)
		}
		// Only the newest n records are checked.
		if n, err := CheckRecords(ctx, db, 10); err != nil || n != 10 {
			t.Errorf("check of the newest 10: %d records, %v; want 10 and no error", n, err)
		}
	})
}
