package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/ticket"
	"minyi/workflow"
)

// TestKeysRotateAndRetire runs "keys rotate" and "keys retire" against a key
// file beside a SQLite database, and checks that a running service loads the
// rotated file.
func TestKeysRotateAndRetire(t *testing.T) {
	t.Setenv(privacy.KeysFileEnv, "")
	t.Setenv(privacy.KeysEnv, "")
	t.Setenv("MINYI_RELAY_URL", "")
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	newApp := func() *app {
		return &app{cfg: config{DB: "sqlite:" + filepath.Join(dir, "minyi.db"), Profile: "police"},
			stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler), demoRelay: true}
	}
	server := newApp()
	defer server.close()
	svc, err := server.Service(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, svc.DB(), svc.Profile()); err != nil {
		t.Fatal(err)
	}
	tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan",
		Phone: "13912340001"})
	if err != nil {
		t.Fatal(err)
	}

	cli := newApp()
	defer cli.close()
	out.Reset()
	if err := runKeys(ctx, cli, []string{"retire", "k1"}); err == nil {
		t.Fatal("retire of the primary key in use succeeded")
	}
	if err := runKeys(ctx, cli, []string{"rotate", "--settle", "0", "--batch", "1"}); err != nil {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
	for _, want := range []string{"added key k2", "vault: 1 row re-encrypted", "0 rows left on older keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rotate output lacks %q:\n%s", want, out.String())
		}
	}
	// Each batch reports a running total, and the empty last batch repeats it.
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if seen[line] {
			t.Errorf("rotate output repeats %q:\n%s", line, out.String())
		}
		seen[line] = true
	}
	// The server still seals with k1 until it loads the file.
	time.Sleep(10 * time.Millisecond)
	if err := server.reloadKeys(); err != nil {
		t.Fatal(err)
	}
	if got := server.keys.vault.PrimaryKeyID(); got != "k2" {
		t.Fatalf("server's primary key after reload = %s, want k2", got)
	}
	actor := ticketActor(t, svc, "centre1")
	if _, err := svc.Contact(ctx, actor, tk.ID, workflow.ContactRequest{Channel: "message", Text: "您好"}); err != nil {
		t.Fatalf("contact after rotation: %v", err)
	}
	out.Reset()
	if err := runKeys(ctx, cli, []string{"retire", "k1"}); err != nil {
		t.Fatalf("retire k1: %v", err)
	}
	k, err := privacy.ReadKeysFile(filepath.Join(dir, "minyi.db.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.AEAD) != 1 || k.Primary != "k2" {
		t.Fatalf("key file after retire: primary %s, %d keys", k.Primary, len(k.AEAD))
	}
}

func ticketActor(t *testing.T, svc *workflow.Service, name string) ticket.Actor {
	t.Helper()
	acct, err := org.AccountByName(context.Background(), svc.DB(), name)
	if err != nil {
		t.Fatal(err)
	}
	return acct.Actor()
}

// TestPrivacyPurge runs "privacy purge" with and without --dry-run on a
// ticket that ended longer ago than the police profile's 180 days.
func TestPrivacyPurge(t *testing.T) {
	t.Setenv(privacy.KeysFileEnv, "")
	t.Setenv(privacy.KeysEnv, "")
	ctx := context.Background()
	var out bytes.Buffer
	a := &app{cfg: config{DB: "sqlite:" + filepath.Join(t.TempDir(), "minyi.db"), Profile: "police"},
		stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	defer a.close()
	svc, err := a.Service(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, svc.DB(), svc.Profile()); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, phone := range []string{"19900001111", "19900002222"} {
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan",
			Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: ticketActor(t, svc, "centre1"),
			Action: ticket.ActInvalidate, Input: ticket.Input{Reason: "重复测试"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	// The first ticket ended 181 days ago, the second just now.
	if _, err := svc.DB().ExecContext(ctx, `UPDATE tickets SET ended_at = ? WHERE id = ?`,
		time.Now().AddDate(0, 0, -181).UnixMilli(), ids[0]); err != nil {
		t.Fatal(err)
	}
	vaultRows := func() int {
		var n int
		if err := svc.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM vault`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := runPrivacy(ctx, a, []string{"purge", "--dry-run"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "would shred the personal data of 1 tickets that ended before") || vaultRows() != 2 {
		t.Fatalf("dry run printed %q and left %d vault rows", out.String(), vaultRows())
	}
	out.Reset()
	if err := runPrivacy(ctx, a, []string{"purge"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "shredded the personal data of 1 tickets that ended before") ||
		!strings.Contains(out.String(), ": 1 vault values") || vaultRows() != 1 {
		t.Fatalf("purge printed %q and left %d vault rows", out.String(), vaultRows())
	}
}
