package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/org"
)

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	a := &app{cfg: config{DB: "sqlite:" + filepath.Join(t.TempDir(), "minyi.db"), Profile: "police"},
		stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	defer a.close()
	run := func(args ...string) (string, error) {
		out.Reset()
		err := runUser(ctx, a, args)
		return out.String(), err
	}
	db, err := a.DB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, db, p); err != nil {
		t.Fatal(err)
	}

	got, err := run("add", "--role", "admin", "--unit", "bureau", "root")
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	password := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(got)
	secret := regexp.MustCompile(`TOTP secret .*: ([A-Z2-7]+)`).FindStringSubmatch(got)
	if password == nil || secret == nil || !strings.Contains(got, "otpauth://totp/") {
		t.Fatalf("add printed:\n%s", got)
	}
	root, _ := org.AccountByName(ctx, db, "root")
	creds, _ := org.CredentialsOf(ctx, db, root.ID)
	if err := org.CheckPassword(creds.PasswordHash, password[1]); err != nil {
		t.Fatalf("printed password does not match: %v", err)
	}
	prot, err := a.Protector()
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := org.TOTPSecretOf(ctx, db, prot.Vault(), root.ID); err != nil || stored != secret[1] {
		t.Fatalf("printed TOTP secret is not the stored one: %v", err)
	}

	if _, err := run("totp", "root"); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Fatalf("totp outside demo mode: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('demo_seeded', 'x')`); err != nil {
		t.Fatal(err)
	}
	got, err = run("totp", "root")
	if err != nil {
		t.Fatalf("totp in demo mode: %v", err)
	}
	step := org.TOTPStep(time.Now())
	now, _ := org.TOTPCode(secret[1], step)
	before, _ := org.TOTPCode(secret[1], step-1)
	if code := strings.Fields(got)[0]; code != now && code != before {
		t.Fatalf("totp printed %q, want %q", code, now)
	}

	got, err = run("reset-2fa", "root")
	if err != nil || strings.Contains(got, secret[1]) || !strings.Contains(got, "TOTP secret") {
		t.Fatalf("reset-2fa: %v\n%s", err, got)
	}

	got, err = run("key", "add", "--label", "12345", "--scopes", "item:create", "root")
	key := regexp.MustCompile(`myk_\S+`).FindString(got)
	if err != nil || key == "" {
		t.Fatalf("key add: %v\n%s", err, got)
	}
	hmacKey, _ := org.AuthKey(ctx, db, prot.Vault())
	if _, k, err := org.AccountByAPIKey(ctx, db, hmacKey, key); err != nil || !k.Allows("item:create") || k.Allows("ticket:read") {
		t.Fatalf("printed key: %v %v", k, err)
	}
	// A key no request could use is refused: a misspelt scope, no scope,
	// and a permission the account's role does not hold.
	for _, scopes := range []string{"item:crate", "", " , ", "audit:read"} {
		var ue usageError
		if _, err := run("key", "add", "--scopes", scopes, "root"); !errors.As(err, &ue) {
			t.Errorf("key add --scopes %q: %v, want a usage error", scopes, err)
		}
	}
	if got, _ := run("key", "list"); !strings.Contains(got, "item:create") {
		t.Fatalf("key list:\n%s", got)
	}
	if _, err := run("key", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := org.AccountByAPIKey(ctx, db, hmacKey, key); err == nil {
		t.Fatal("revoked key still works")
	}
	if _, err := run("disable", "root"); err != nil {
		t.Fatal(err)
	}
	if got, _ := run("list"); !regexp.MustCompile(`root\s+root\s+admin\s+bureau\s+true\s+totp\s+true`).MatchString(got) {
		t.Fatalf("list:\n%s", got)
	}
}

func TestChoosePassword(t *testing.T) {
	tests := []struct {
		name      string
		stdin     bool
		input     string
		wantErr   bool
		generated bool
	}{
		{"generated", false, "", false, true},
		{"from stdin", true, "a long enough password\n", false, false},
		{"too short", true, "short\n", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pw, gen, err := choosePassword(tc.stdin, strings.NewReader(tc.input))
			if (err != nil) != tc.wantErr || gen != tc.generated {
				t.Fatalf("got %q %v %v", pw, gen, err)
			}
			if err == nil && len(pw) < org.MinPasswordLength {
				t.Fatalf("password %q too short", pw)
			}
		})
	}
}
