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
	"minyi/store"
)

func TestAuditCommands(t *testing.T) {
	for _, env := range []string{"MINYI_AUDIT_KEY", "MINYI_AUDIT_CHECKPOINTS", "MINYI_AUDIT_ORIGIN"} {
		t.Setenv(env, "")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "minyi-police.db")
	var out bytes.Buffer
	a := &app{cfg: config{DB: "sqlite:" + dbPath, Profile: "police"}, stdout: &out, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler)}
	defer a.close()
	run := func(args ...string) (string, error) {
		out.Reset()
		err := runAudit(ctx, a, args)
		return out.String(), err
	}

	pub, err := run("pubkey")
	if err != nil {
		t.Fatalf("pubkey: %v", err)
	}
	pub = strings.TrimSpace(pub)
	if !strings.HasPrefix(pub, "minyi/police/audit+") {
		t.Fatalf("pubkey printed %q, want a verifier key named minyi/police/audit", pub)
	}
	keyPath := filepath.Join(dir, "minyi-police.audit.key")
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("key not created beside the database: %v", err)
	}

	db, err := a.DB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := l.Append(ctx, tx, audit.Record{Action: audit.ActionTicketRead, Result: audit.ResultOK,
				AccountID: 1, TicketID: int64(i + 1), Time: time.Date(2026, 12, 1+i, 2, 0, 0, 0, time.UTC)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	exportDir := filepath.Join(dir, "export")
	if _, err := run("export", "--out", exportDir, "--from", "2026-12-02", "--to", "2026-12-03"); err != nil {
		t.Fatalf("export: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "minyi-police.audit.checkpoints")); err != nil {
		t.Fatalf("checkpoint file not beside the database: %v", err)
	}
	pubFile := filepath.Join(dir, "pub.txt")
	if err := os.WriteFile(pubFile, []byte(pub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("verify", func(t *testing.T) {
		for _, key := range []string{pub, pubFile} {
			got, err := run("verify", "--key", key, exportDir)
			if err != nil {
				t.Fatalf("verify --key %s: %v", key, err)
			}
			if !strings.Contains(got, "verified: 5 records, 2 in full, 3 outside the period, 0 purged under retention, 1 checkpoints") {
				t.Fatalf("verify printed %q", got)
			}
		}
	})
	t.Run("verify tampered", func(t *testing.T) {
		recs := filepath.Join(exportDir, audit.RecordsFile)
		data, err := os.ReadFile(recs)
		if err != nil {
			t.Fatal(err)
		}
		tampered := bytes.Replace(data, []byte(`"ticket_id":2,`), []byte(`"ticket_id":7,`), 1)
		if bytes.Equal(tampered, data) {
			t.Fatal("fixture has no record of ticket 2")
		}
		if err := os.WriteFile(recs, tampered, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = run("verify", "--key", pub, exportDir)
		if err == nil || !strings.Contains(err.Error(), "line 2: record 2 does not match the leaf hash stored") {
			t.Fatalf("verify of tampered export: %v", err)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
		}{
			{"verify without key", []string{"verify", exportDir}},
			{"verify without dir", []string{"verify", "--key", pub}},
			{"export without out", []string{"export"}},
			{"export with bad date", []string{"export", "--out", exportDir, "--from", "12/02/2026"}},
			{"unknown command", []string{"frobnicate"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := run(tt.args...)
				var ue usageError
				if !errors.As(err, &ue) {
					t.Fatalf("error = %v, want a usage error", err)
				}
			})
		}
	})
	t.Run("postgres needs paths", func(t *testing.T) {
		var files auditFiles
		err := files.resolve(a, &store.DB{Dialect: store.Postgres, DSN: "postgres://127.0.0.1/minyi"})
		var ue usageError
		if !errors.As(err, &ue) {
			t.Fatalf("resolve for PostgreSQL without paths: %v, want a usage error", err)
		}
	})
}
