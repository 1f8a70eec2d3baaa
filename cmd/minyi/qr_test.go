package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestQRCommands(t *testing.T) {
	t.Setenv("MINYI_PUBLIC_URL", "https://minyi.example.cn")
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	a := &app{cfg: config{DB: "sqlite:" + filepath.Join(dir, "minyi.db"), Profile: "police"}, stdout: &out,
		stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	defer a.close()
	run := func(args ...string) (string, error) {
		out.Reset()
		err := runQR(ctx, a, args)
		return out.String(), err
	}
	created, err := run("create", "--type", "officer", "--owner", "o001")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^([0-9A-Z]{12})\thttps://minyi.example.cn/c/([0-9A-Z]{12})\n$`).FindStringSubmatch(created)
	if m == nil || m[1] != m[2] {
		t.Fatalf("create printed %q", created)
	}
	if _, err := run("create", "--type", "window", "--owner", "ps-dongguan"); err == nil {
		t.Fatal("a station was accepted as a window")
	}
	if _, err := run("create"); !errors.As(err, new(usageError)) {
		t.Fatalf("create without flags: %v", err)
	}
	reissued, err := run("reissue", strings.ToLower(m[1]))
	if err != nil || !strings.Contains(reissued, "new code") {
		t.Fatalf("reissue: %q %v", reissued, err)
	}
	list, err := run("list", "--revoked")
	if err != nil || strings.Count(list, "o001") != 2 || !strings.Contains(list, "revoked") {
		t.Fatalf("list: %q %v", list, err)
	}
	// The revocation date is the profile's day, not the UTC one.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if today := time.Now().In(shanghai).Format(time.DateOnly); !strings.Contains(list, "revoked "+today) {
		t.Errorf("list does not date the revocation %s:\n%s", today, list)
	}
	if again, err := run("revoke", m[1]); err != nil || !strings.Contains(again, "already revoked") {
		t.Errorf("revoking a revoked code again: %q %v, want a note that it was already revoked", again, err)
	}
	sheet := filepath.Join(dir, "codes.html")
	if msg, err := run("sheet", "-o", sheet); err != nil || !strings.Contains(msg, "wrote 1 codes") {
		t.Fatalf("sheet: %q %v", msg, err)
	}
	html, err := os.ReadFile(sheet)
	if err != nil || !bytes.Contains(html, []byte("警号 124153")) || !bytes.Contains(html, []byte("扫码评价 · 投诉 · 建议 · 求助")) {
		t.Fatalf("sheet file: %v", err)
	}
}
