package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minyi/store"
)

const testOrigin = "minyi/test/audit"

// testLog returns a Log with a fresh key and checkpoint file in a temporary
// folder.
func testLog(t *testing.T) (*Log, *Key) {
	t.Helper()
	dir := t.TempDir()
	key, err := LoadOrCreateKey(filepath.Join(dir, "audit.key"), testOrigin)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	l, err := New(Options{Key: key, CheckpointPath: filepath.Join(dir, "checkpoints")})
	if err != nil {
		t.Fatalf("new log: %v", err)
	}
	return l, key
}

// testClock is a settable time source for a Log's Options.Now.
type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

// testLogWithClock returns a Log like testLog whose checkpoints and purges
// take the time from the returned clock, which starts at time.Now.
func testLogWithClock(t *testing.T) (*Log, *Key, *testClock) {
	t.Helper()
	l, key := testLog(t)
	clock := &testClock{now: time.Now()}
	l.now = clock.Now
	return l, key, clock
}

// dropStoredLeaf removes the stored leaf hash from a full line of
// records.jsonl, as someone who rewrites a record in an export would.
func dropStoredLeaf(line string) string {
	i := strings.Index(line, `,"leaf":"`)
	if i < 0 || !strings.Contains(line, `"salt":`) {
		return line
	}
	return line[:i] + "}"
}

// sampleRecord returns the i-th generated record: no real person, only ids.
func sampleRecord(i int, at time.Time) Record {
	actions := []string{ActionTicketRead, ActionTicketList, ActionTicketExport, ActionTicketContact,
		ActionTicketChange, ActionSignIn, ActionSignInFailed, ActionSignOut, ActionDenied}
	r := Record{
		Time:        at,
		AccountID:   int64(i%4 + 1),
		AccountName: fmt.Sprintf("staff%02d", i%4+1),
		Role:        "centre",
		SessionHash: HashSession(fmt.Sprintf("session-%d", i%3)),
		Action:      actions[i%len(actions)],
		Purpose:     "处理工单",
		Result:      ResultOK,
		ClientAddr:  "127.0.0.1",
		RequestID:   fmt.Sprintf("req-%d", i),
	}
	switch r.Action {
	case ActionTicketRead, ActionTicketContact, ActionTicketChange:
		r.TicketID = int64(100 + i%5)
		r.Fields = []string{"body_masked", "status"}
	case ActionTicketList, ActionTicketExport:
		r.Filter = "state=dispatched&unit=east"
		r.Count = int64(i * 3)
	case ActionDenied:
		r.Result = ResultDenied
	}
	return r
}

// appendRecords appends n sample records, numbered from first, each in a
// transaction of its own, one minute apart from start.
func appendRecords(t *testing.T, db *store.DB, l *Log, first, n int, start time.Time) {
	t.Helper()
	ctx := context.Background()
	for i := first; i < first+n; i++ {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := l.Append(ctx, tx, sampleRecord(i, start.Add(time.Duration(i)*time.Minute)))
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

func checkpoint(t *testing.T, db *store.DB, l *Log) *Checkpoint {
	t.Helper()
	cp, err := l.Checkpoint(context.Background(), db)
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	return cp
}

func export(t *testing.T, db *store.DB, l *Log, opts ExportOptions) string {
	t.Helper()
	dir := t.TempDir()
	if opts.CheckpointPath == "" {
		opts.CheckpointPath = l.checkpointPath
	}
	if _, err := Export(context.Background(), db, dir, opts); err != nil {
		t.Fatalf("export: %v", err)
	}
	return dir
}

// readExport returns the lines of records.jsonl and the checkpoint text.
func readExport(t *testing.T, dir string) ([]string, string) {
	t.Helper()
	recs, err := os.ReadFile(filepath.Join(dir, RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	cps, err := os.ReadFile(filepath.Join(dir, CheckpointsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(recs), "\n"), "\n")
	return lines, string(cps)
}

// writeExport writes an export directory from lines and checkpoint text.
func writeExport(t *testing.T, lines []string, cps string) string {
	t.Helper()
	dir := t.TempDir()
	text := strings.Join(lines, "\n")
	if len(lines) > 0 {
		text += "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, RecordsFile), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, CheckpointsFile), []byte(cps), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}
