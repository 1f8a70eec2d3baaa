package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeHotFile writes a JSON Lines file in the message-board format: five
// citizens about one estate's noise, three about one market's stalls, and
// unrelated one-off items.
func writeHotFile(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	n := 0
	line := func(title, body, user string) {
		n++
		fmt.Fprintf(&b, `{"id": "%d", "title": %q, "body": %q, "time": "2026-03-05 10:%02d:00", "user": %q}`+"\n",
			n, title, body, n, user)
	}
	for i := range 5 {
		line("锦绣花园小区旁工地夜间施工噪音扰民", "锦绣花园小区旁边的工地每天夜里施工，噪音很大，睡不着觉。", fmt.Sprint("u", i))
	}
	for i := range 3 {
		line("南门菜市场摊贩占道经营", "南门菜市场门口摊贩占道经营，车辆无法通行。", fmt.Sprint("v", i))
	}
	for i, s := range []string{"请问护照怎么办理", "表扬民警帮我找回钱包", "建议学校门口增设斑马线"} {
		line(s, s, fmt.Sprint("w", i))
	}
	path := filepath.Join(t.TempDir(), "hot.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHotCommand(t *testing.T) {
	path := writeHotFile(t)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		a := &app{cfg: config{Profile: "police"}, stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
		err := runHot(context.Background(), a, args)
		return out.String(), err
	}
	t.Run("text", func(t *testing.T) {
		out, err := run("--in", path)
		if err != nil {
			t.Fatal(err)
		}
		first := strings.Index(out, "锦绣花园")
		second := strings.Index(out, "南门菜市场")
		if first < 0 || second < 0 || second < first {
			t.Errorf("want the 锦绣花园 issue before the 南门菜市场 issue:\n%s", out)
		}
		if !strings.Contains(out, "5 条，5 位群众") {
			t.Errorf("want 5 items from 5 citizens:\n%s", out)
		}
	})
	t.Run("json", func(t *testing.T) {
		out, err := run("--json", "--top", "1", "--in", path)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Items  int `json:"items"`
			Issues []struct {
				Count int    `json:"count"`
				Place string `json:"place"`
			} `json:"issues"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if got.Items != 11 || len(got.Issues) != 1 || got.Issues[0].Count != 5 || got.Issues[0].Place != "锦绣花园" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("bad flags", func(t *testing.T) {
		var ue usageError
		if _, err := run("--top", "0"); !errors.As(err, &ue) {
			t.Errorf("err = %v, want a usage error", err)
		}
	})
	t.Run("bad time", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		if err := os.WriteFile(bad, []byte(`{"id": "1", "title": "x", "body": "y", "time": "yesterday"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := run("--in", bad); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("err = %v, want one naming line 1", err)
		}
	})
}
