package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyi/classify"
	"minyi/demo"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// writeKindFile writes n generated kind examples of the police profile as
// JSON Lines and returns the path.
func writeKindFile(t *testing.T, n int) string {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, ex := range demo.KindExamples(p, n, 7) {
		if err := enc.Encode(map[string]string{"body": ex.Text, "label": ex.Label}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "kinds.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTagKindHeadCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, out := newImportApp(t, db)
		file := writeKindFile(t, 600)
		run := func(args ...string) (map[string]any, error) {
			t.Helper()
			out.Reset()
			if err := runTag(ctx, a, args); err != nil {
				return nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatalf("tag %v printed %q: %v", args, out.String(), err)
			}
			return m, nil
		}

		trained, err := run("train", "--head", "kind", "--in", file)
		if err != nil {
			t.Fatalf("train: %v", err)
		}
		labels := trained["labels"].([]any)
		if len(labels) != 5 {
			t.Errorf("kind labels = %v, want the five kinds of the police profile", labels)
		}
		eval, err := run("eval", "--head", "kind", "--in", file)
		if err != nil {
			t.Fatalf("eval: %v", err)
		}
		if f1 := eval["macro_f1"].(float64); f1 < 0.9 || eval["version"].(float64) != 1 {
			t.Errorf("eval: version %v macro-F1 %.3f, want v1 and at least 0.9", eval["version"], f1)
		}

		// Retraining on the same file with no corrections is not worse, so it is promoted.
		re, err := run("retrain", "--head", "kind", "--base", file)
		if err != nil {
			t.Fatalf("retrain: %v", err)
		}
		if re["promoted"] != true || re["version"].(float64) != 2 || re["previous"].(float64) != 1 {
			t.Errorf("retrain printed %v", re)
		}
		if _, ok := re["current_macro_f1"]; !ok {
			t.Errorf("retrain printed no current_macro_f1: %v", re)
		}

		out.Reset()
		if err := runTag(ctx, a, []string{"list", "--head", "kind"}); err != nil {
			t.Fatalf("list: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 || !strings.Contains(lines[2], "v2") || !strings.Contains(lines[2], "*") ||
			strings.Contains(lines[1], "*") {
			t.Errorf("list printed:\n%s", out.String())
		}

		back, err := run("rollback", "--head", "kind")
		if err != nil || back["active"].(float64) != 1 {
			t.Fatalf("rollback: %v %v", back, err)
		}
		if _, err := run("rollback", "--head", "kind", "--to", "7"); !errors.Is(err, classify.ErrNoVersion) {
			t.Errorf("rollback to a missing version: %v, want ErrNoVersion", err)
		}
		if _, err := run("retrain", "--head", "kind"); !errors.As(err, new(usageError)) {
			t.Errorf("retrain without --base: %v, want a usage error", err)
		}

		// A ticket records its kind with the model's confidence.
		svc, err := a.Service(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "web", Body: "请问办理居住证需要带什么材料？"})
		if err != nil {
			t.Fatal(err)
		}
		var kind, source string
		var conf float64
		err = db.QueryRowContext(ctx, `SELECT tag, confidence, source FROM ticket_tags WHERE ticket_id = ? AND head = 'kind'`,
			tk.ID).Scan(&kind, &conf, &source)
		if err != nil {
			t.Fatalf("kind row: %v", err)
		}
		if kind != tk.Kind || kind == "" || conf <= 0 || conf > 1 || source != "model:kind:v1" {
			t.Errorf("kind row: %q %.3f %q (ticket kind %q)", kind, conf, source, tk.Kind)
		}
	})
}

func TestRetrainSchedule(t *testing.T) {
	cases := []struct {
		every, base string
		want        string // interval, or "error"
		heads       int
	}{
		{"", "", "0s", 0},
		{"0", "tag=a.jsonl", "0s", 0},
		{"24h", "tag=a.jsonl, kind=b.jsonl", "24h0m0s", 2},
		{"24h", "", "error", 0},
		{"10s", "tag=a.jsonl", "error", 0},
		{"daily", "tag=a.jsonl", "error", 0},
		{"1h", "tag", "error", 0},
	}
	for _, tc := range cases {
		t.Run(tc.every+"|"+tc.base, func(t *testing.T) {
			t.Setenv(envRetrainEvery, tc.every)
			t.Setenv(envRetrainBase, tc.base)
			d, bases, err := retrainSchedule()
			got := d.String()
			if err != nil {
				got = "error"
			}
			if got != tc.want || len(bases) != tc.heads {
				t.Errorf("got %s with %d heads (%v), want %s with %d", got, len(bases), err, tc.want, tc.heads)
			}
		})
	}
}
