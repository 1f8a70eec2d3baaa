package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minyi/audit"
	"minyi/org"
	"minyi/workflow"
)

// serveApp returns an app on the SQLite database at dbPath whose audit key
// and checkpoint file take their defaults beside it.
func serveApp(t *testing.T, dbPath string) (*app, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	return &app{cfg: config{DB: "sqlite:" + dbPath, Profile: "police"}, stdout: io.Discard, stderr: &stderr,
		log: slog.New(slog.DiscardHandler)}, &stderr
}

// startServe starts serveHTTP on a free port and returns a function that stops
// it and returns its error.
func startServe(t *testing.T, a *app, o serveOptions) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := a.Service(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	o.addr = "127.0.0.1:0"
	errc := make(chan error, 1)
	ready := make(chan struct{})
	go func() { errc <- serveHTTP(ctx, a, svc, o, func(string) { close(ready) }) }()
	select {
	case <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("serve did not start: %v", err)
	}
	return func() error {
		cancel()
		return <-errc
	}
}

// readTickets records n ticket reads by centre1 through the workflow.
func readTickets(t *testing.T, a *app, n int) {
	t.Helper()
	ctx := context.Background()
	svc, err := a.Service(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民", CodeUnit: "ps-dongguan"})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := org.AccountByName(ctx, svc.DB(), "centre1")
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := svc.Get(ctx, acct.Actor(), tk.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
}

// auditStatus returns the tree size and the newest signed size.
func auditStatus(t *testing.T, a *app) (tree, signed int64) {
	t.Helper()
	ctx := context.Background()
	l, err := a.AuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := a.DB(ctx)
	st, err := l.Status(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if st.Signed != nil {
		signed = st.Signed.Size
	}
	return st.TreeSize, signed
}

func TestServeSignsCheckpoints(t *testing.T) {
	for _, env := range []string{"MINYI_AUDIT_KEY", "MINYI_AUDIT_CHECKPOINTS", "MINYI_AUDIT_ORIGIN"} {
		t.Setenv(env, "")
	}
	dbPath := filepath.Join(t.TempDir(), "minyi-police.db")
	o := serveOptions{audit: checkpointOptions{every: 3, interval: time.Hour}}

	a, _ := serveApp(t, dbPath)
	stop := startServe(t, a, o)
	readTickets(t, a, 4)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, signed := auditStatus(t, a); signed >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after 3 records within 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if tree, signed := auditStatus(t, a); signed != tree {
		t.Fatalf("after shutdown %d of %d records are signed, want all", signed, tree)
	}
	a.close()

	// A restart on the same database extends the same checkpoints.
	a, _ = serveApp(t, dbPath)
	stop = startServe(t, a, o)
	readTickets(t, a, 1)
	if err := stop(); err != nil {
		t.Fatalf("serve after restart: %v", err)
	}
	a.close()

	// A deleted database with its checkpoint file left behind stops serve
	// with advice, and the demo moves the file aside.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	a, _ = serveApp(t, dbPath)
	svc, err := a.Service(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, cps := audit.DefaultPaths(dbPath)
	err = serveHTTP(context.Background(), a, svc, serveOptions{addr: "127.0.0.1:0", audit: o.audit}, nil)
	if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "move "+cps) {
		t.Fatalf("serve on a new database with old checkpoints: %v, want ErrInconsistent with advice", err)
	}
	a.close()

	a, stderr := serveApp(t, dbPath)
	db, err := a.DB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := setAsideStaleCheckpoints(context.Background(), a, db); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cps); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old checkpoint file still at %s: %v", cps, err)
	}
	moved, _ := filepath.Glob(cps + ".old-*")
	if len(moved) != 1 || !strings.Contains(stderr.String(), moved[0]) {
		t.Fatalf("moved files %v, message %q", moved, stderr.String())
	}
	stop = startServe(t, a, o)
	readTickets(t, a, 1)
	if err := stop(); err != nil {
		t.Fatalf("serve on the new demo database: %v", err)
	}
	if tree, signed := auditStatus(t, a); tree == 0 || signed != tree {
		t.Fatalf("new database: %d of %d records signed, want all", signed, tree)
	}
	a.close()
}

func TestServeStopsOnChangedRecord(t *testing.T) {
	for _, env := range []string{"MINYI_AUDIT_KEY", "MINYI_AUDIT_CHECKPOINTS", "MINYI_AUDIT_ORIGIN"} {
		t.Setenv(env, "")
	}
	dbPath := filepath.Join(t.TempDir(), "minyi-police.db")
	o := serveOptions{audit: checkpointOptions{every: 1000, interval: time.Hour}}
	a, _ := serveApp(t, dbPath)
	stop := startServe(t, a, o)
	readTickets(t, a, 3)
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	db, err := a.DB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "UPDATE audit_records SET purpose = 'listen' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	a.close()

	a, _ = serveApp(t, dbPath)
	defer a.close()
	svc, err := a.Service(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = serveHTTP(context.Background(), a, svc, serveOptions{addr: "127.0.0.1:0", audit: o.audit}, nil)
	if !errors.Is(err, audit.ErrRecordChanged) || !strings.Contains(err.Error(), "record 2 ") {
		t.Fatalf("serve after a record was changed: %v, want ErrRecordChanged naming record 2", err)
	}
}
