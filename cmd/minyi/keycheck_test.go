package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"minyi/audit"
	"minyi/privacy"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// clearKeyEnv unsets the variables that locate the personal-data keys and
// the audit files, so that a test reads only what it sets.
func clearKeyEnv(t *testing.T) {
	t.Setenv(privacy.KeysFileEnv, "")
	t.Setenv(privacy.KeysEnv, "")
	t.Setenv("MINYI_RELAY_URL", "")
	t.Setenv("MINYI_AUDIT_KEY", "")
	t.Setenv("MINYI_AUDIT_CHECKPOINTS", "")
	t.Setenv("MINYI_AUDIT_ORIGIN", "")
}

func testApp(dsn string, stdout io.Writer) *app {
	return &app{cfg: config{DB: dsn, Profile: "police"}, stdout: stdout, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler), demoRelay: true}
}

// sideKeyFile returns the absolute path of the key file that a process in
// the working folder dir uses for the database dsn when no variable names one.
func sideKeyFile(dir, dsn string) string {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return path + ".keys"
	}
	return filepath.Join(dir, "minyi-police.keys")
}

// TestSecondProcessKeyFile starts a second process on a database that a
// first process sealed data in: from another folder, with a key file of its
// own, and with the first process's key file.
func TestSecondProcessKeyFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clearKeyEnv(t)
		ctx := context.Background()
		dirA, dirB := t.TempDir(), t.TempDir()

		t.Chdir(dirA)
		first := testApp(db.DSN, io.Discard)
		svc, err := first.Service(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan",
			Phone: "13912340001"})
		if err != nil {
			t.Fatal(err)
		}
		first.close()
		// The first key file moves out of the place a second process looks in.
		firstKeys := filepath.Join(dirA, "first.keys")
		if err := os.Rename(sideKeyFile(dirA, db.DSN), firstKeys); err != nil {
			t.Fatal(err)
		}

		t.Chdir(dirB)
		side := sideKeyFile(dirB, db.DSN)
		second := testApp(db.DSN, io.Discard)
		_, err = second.Service(ctx)
		second.close()
		if err == nil {
			t.Fatal("second process without a key file started")
		}
		for _, want := range []string{side, "set up with another key file", privacy.KeysFileEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if _, err := os.Stat(side); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("second process created a key file at %s (stat: %v)", side, err)
		}

		foreign := filepath.Join(dirB, "foreign.keys")
		k, err := privacy.GenerateKeys()
		if err != nil {
			t.Fatal(err)
		}
		if err := k.WriteFile(foreign); err != nil {
			t.Fatal(err)
		}
		t.Setenv(privacy.KeysFileEnv, foreign)
		second = testApp(db.DSN, io.Discard)
		_, err = second.Service(ctx)
		second.close()
		if !errors.Is(err, privacy.ErrKeyMismatch) {
			t.Fatalf("second process with another key file: err = %v, want ErrKeyMismatch", err)
		}
		for _, want := range []string{foreign, "AEAD key k1", privacy.KeysFileEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}

		t.Setenv(privacy.KeysFileEnv, firstKeys)
		if db.Dialect == store.Postgres {
			// With PostgreSQL the audit signing key defaults to the working
			// folder too, and the first process signed a checkpoint.
			second = testApp(db.DSN, io.Discard)
			_, err = second.Service(ctx)
			second.close()
			if !errors.Is(err, audit.ErrKeyNotFound) {
				t.Fatalf("second process without the audit key: err = %v, want audit.ErrKeyNotFound", err)
			}
			auditKey := filepath.Join(dirB, "minyi-police.audit.key")
			if _, err := os.Stat(auditKey); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("second process created an audit key at %s (stat: %v)", auditKey, err)
			}
			t.Setenv("MINYI_AUDIT_KEY", filepath.Join(dirA, "minyi-police.audit.key"))
			t.Setenv("MINYI_AUDIT_CHECKPOINTS", filepath.Join(dirA, "minyi-police.audit.checkpoints"))
		}
		second = testApp(db.DSN, io.Discard)
		defer second.close()
		svc2, err := second.Service(ctx)
		if err != nil {
			t.Fatalf("second process with the first key file: %v", err)
		}
		hint, err := svc2.PhoneHint(ctx, ticketActor(t, svc2, "centre1"), tk.ID, workflow.HintPurposes[0])
		if err != nil {
			t.Fatalf("phone hint with the first key file: %v", err)
		}
		if hint != "139****0001" {
			t.Errorf("phone hint = %q, want 139****0001", hint)
		}
	})
}

// TestEmptyDatabaseNewKeyFile checks that a process on an empty database
// creates a key file, and that a second process uses the same file.
func TestEmptyDatabaseNewKeyFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clearKeyEnv(t)
		ctx := context.Background()
		dir := t.TempDir()
		t.Chdir(dir)
		side := sideKeyFile(dir, db.DSN)
		if _, err := os.Stat(side); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("key file %s exists before the first process (stat: %v)", side, err)
		}
		for i := range 2 {
			a := testApp(db.DSN, io.Discard)
			_, err := a.Service(ctx)
			a.close()
			if err != nil {
				t.Fatalf("process %d: %v", i+1, err)
			}
			if _, err := privacy.ReadKeysFile(side); err != nil {
				t.Fatalf("process %d: key file: %v", i+1, err)
			}
		}
	})
}

// TestDemoBanner checks that the sign-in command the demo prints names the
// key file and a SQLite database by absolute paths and quotes the URL.
func TestDemoBanner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clearKeyEnv(t)
		ctx := context.Background()
		dir := t.TempDir()
		t.Chdir(dir)
		dsn := db.DSN
		if strings.HasPrefix(dsn, "sqlite:") {
			// The demo's default database is a relative path.
			dsn = "sqlite:demo.db"
		}
		var out bytes.Buffer
		a := testApp(dsn, &out)
		defer a.close()
		svc, err := a.Service(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := printDemoWelcome(ctx, a, svc, "127.0.0.1:8080", false); err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "user totp centre1") {
				line = strings.TrimSpace(l)
			}
		}
		if line == "" {
			t.Fatalf("banner has no user totp command:\n%s", out.String())
		}
		keys, err := filepath.Abs(a.keys.path)
		if err != nil {
			t.Fatal(err)
		}
		if want := privacy.KeysFileEnv + "=" + keys + " "; !strings.HasPrefix(line, want) {
			t.Errorf("command %q does not start with %q", line, want)
		}
		wantDB := "--db '" + dsn + "' "
		if strings.HasPrefix(dsn, "sqlite:") {
			wantDB = "--db sqlite:" + filepath.Join(dir, "demo.db") + " "
		}
		if !strings.Contains(line, wantDB) {
			t.Errorf("command %q lacks %q", line, wantDB)
		}
	})
}

// TestShellQuote checks that quoted values reach a program unchanged
// through sh and through bash with failglob.
func TestShellQuote(t *testing.T) {
	values := []string{"postgres://postgres@127.0.0.1:5432/db?sslmode=disable", "/tmp/a b/minyi.keys",
		"it's", "sqlite:/tmp/minyi-demo.db", "*"}
	for _, shell := range [][]string{{"sh", "-c"}, {"bash", "-O", "failglob", "-c"}} {
		if _, err := exec.LookPath(shell[0]); err != nil {
			t.Logf("%s not found: %v", shell[0], err)
			continue
		}
		for _, v := range values {
			args := append(append([]string{}, shell[1:]...), "printf %s "+shellQuote(v))
			out, err := exec.Command(shell[0], args...).Output()
			if err != nil {
				t.Errorf("%s: printf %s: %v", shell[0], shellQuote(v), err)
				continue
			}
			if string(out) != v {
				t.Errorf("%s: printf %s printed %q, want %q", shell[0], shellQuote(v), out, v)
			}
		}
	}
}

// TestNamedKeyFileForNewDatabase names a key file that does not exist yet
// with MINYI_KEYS_FILE: an empty database gets it created there, and once the
// database holds data, a missing named file is an error and is not created.
func TestNamedKeyFileForNewDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clearKeyEnv(t)
		ctx := context.Background()
		t.Chdir(t.TempDir())
		named := filepath.Join(t.TempDir(), "city.keys")
		t.Setenv(privacy.KeysFileEnv, named)
		a := testApp(db.DSN, io.Discard)
		svc, err := a.Service(ctx)
		if err != nil {
			t.Fatalf("empty database with a named key file: %v", err)
		}
		if _, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan",
			Phone: "13912340002"}); err != nil {
			t.Fatal(err)
		}
		a.close()
		if _, err := privacy.ReadKeysFile(named); err != nil {
			t.Fatalf("named key file: %v", err)
		}

		other := filepath.Join(t.TempDir(), "other.keys")
		t.Setenv(privacy.KeysFileEnv, other)
		b := testApp(db.DSN, io.Discard)
		_, err = b.Service(ctx)
		b.close()
		if err == nil || !strings.Contains(err.Error(), "restore the file from your backup") {
			t.Errorf("missing named key file for a database with data: %v", err)
		}
		if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a key file was created at %s for a database with data (stat: %v)", other, err)
		}
	})
}
