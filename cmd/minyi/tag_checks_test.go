package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"minyi/classify"
	"minyi/demo"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
)

// writeExamples writes examples as JSON Lines to name in a temporary
// directory and returns the path.
func writeExamples(t *testing.T, name string, examples []classify.Example) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, ex := range examples {
		if err := enc.Encode(map[string]string{"body": ex.Text, "label": ex.Label}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tagExamples returns n generated tag examples of the police profile.
func tagExamples(t *testing.T, n int) []classify.Example {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	return demo.TrainingExamples(p, n, 3)
}

// relabel returns examples with each label replaced by label(old).
func relabel(examples []classify.Example, label func(string) string) []classify.Example {
	out := make([]classify.Example, len(examples))
	for i, ex := range examples {
		out[i] = classify.Example{Text: ex.Text, Label: label(ex.Label)}
	}
	return out
}

// rotateLabels returns examples with every label shifted to the next label of
// the same set, in sorted order.
func rotateLabels(examples []classify.Example) []classify.Example {
	var labels []string
	for l := range classify.LabelCounts(examples) {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	return relabel(examples, func(l string) string {
		return labels[(slices.Index(labels, l)+1)%len(labels)]
	})
}

// runTagJSON runs a tag subcommand and decodes what it printed.
func runTagJSON(t *testing.T, a *app, out *bytes.Buffer, args ...string) (map[string]any, error) {
	t.Helper()
	out.Reset()
	if err := runTag(context.Background(), a, args); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("tag %v printed %q: %v", args, out.String(), err)
	}
	return m, nil
}

func activeVersion(t *testing.T, db *store.DB, head string) int {
	t.Helper()
	v, err := classify.ActiveVersion(context.Background(), db, head)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTagTrainRejectsOneLabel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		one := writeExamples(t, "one.jsonl", relabel(tagExamples(t, 300), func(string) string { return "交通事故处理" }))
		for _, args := range [][]string{{"train", "--in", one}, {"train", "--all", "--in", one}} {
			if _, err := runTagJSON(t, a, out, args...); !errors.Is(err, classify.ErrTooFewLabels) {
				t.Errorf("%v: err = %v, want ErrTooFewLabels", args, err)
			}
		}
		versions, err := classify.Versions(context.Background(), db, "")
		if err != nil || len(versions) != 0 {
			t.Errorf("versions stored = %d, %v; want none", len(versions), err)
		}
	})
}

func TestTagRetrainRejectsBadBase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		examples := tagExamples(t, 1500)
		good := writeExamples(t, "good.jsonl", examples)
		if _, err := runTagJSON(t, a, out, "train", "--in", good); err != nil {
			t.Fatalf("train: %v", err)
		}

		one := writeExamples(t, "one.jsonl", relabel(examples, func(string) string { return "交通事故处理" }))
		tiny := writeExamples(t, "tiny.jsonl", examples[:3])
		for _, file := range []string{one, tiny} {
			_, err := runTagJSON(t, a, out, "retrain", "--base", file)
			if !errors.Is(err, classify.ErrInvalidBase) {
				t.Errorf("retrain --base %s: err = %v, want ErrInvalidBase", filepath.Base(file), err)
			}
		}

		rotated := writeExamples(t, "rotated.jsonl", rotateLabels(examples))
		r, err := runTagJSON(t, a, out, "retrain", "--base", rotated)
		if err != nil {
			t.Fatalf("retrain --base rotated: %v", err)
		}
		if r["promoted"] != false || r["version"].(float64) != 2 {
			t.Errorf("rotated: promoted %v, version %v; want false, 2", r["promoted"], r["version"])
		}
		reason, _ := r["reason"].(string)
		if !strings.Contains(reason, "recorded") || !strings.Contains(reason, "minyi tag rollback --head tag --to 2") {
			t.Errorf("rotated: reason %q names neither the recorded figure nor the rollback command", reason)
		}
		if v := activeVersion(t, db, "tag"); v != 1 {
			t.Errorf("active after rotated = v%d, want v1", v)
		}

		// The command the reason names activates the newer candidate.
		if _, err := runTagJSON(t, a, out, "rollback", "--to", "2"); err != nil {
			t.Fatalf("rollback --to 2: %v", err)
		}
		if v := activeVersion(t, db, "tag"); v != 2 {
			t.Errorf("active after rollback --to 2 = v%d, want v2", v)
		}
	})
}

func TestTagRollbackToZero(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		m := trainKindModel(t)
		for range 2 {
			if _, err := classify.Save(context.Background(), db, "tag", m, classify.Report{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, to := range []string{"0", "-1"} {
			_, err := runTagJSON(t, a, out, "rollback", "--to", to)
			if !errors.As(err, new(usageError)) {
				t.Errorf("rollback --to %s: err = %v, want a usage error", to, err)
			}
			if v := activeVersion(t, db, "tag"); v != 2 {
				t.Errorf("after rollback --to %s, active = v%d, want v2", to, v)
			}
		}
		if _, err := runTagJSON(t, a, out, "rollback"); err != nil {
			t.Fatalf("rollback without --to: %v", err)
		}
		if v := activeVersion(t, db, "tag"); v != 1 {
			t.Errorf("after plain rollback, active = v%d, want v1", v)
		}
	})
}

// trainKindModel trains a small model on generated kind examples.
func trainKindModel(t *testing.T) *classify.Model {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	m, err := classify.Train(demo.KindExamples(p, 200, 1), classify.Options{NoCalibration: true, Lambda: 3e-4})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTagEvalWarnsUnknownLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		var stderr bytes.Buffer
		a.stderr = &stderr
		examples := tagExamples(t, 500)
		if _, err := runTagJSON(t, a, out, "train", "--in", writeExamples(t, "good.jsonl", examples)); err != nil {
			t.Fatalf("train: %v", err)
		}

		stderr.Reset()
		if _, err := runTagJSON(t, a, out, "eval", "--in", writeExamples(t, "good2.jsonl", examples)); err != nil {
			t.Fatalf("eval: %v", err)
		}
		if strings.Contains(stderr.String(), "warning") {
			t.Errorf("eval on known labels warned:\n%s", stderr.String())
		}

		other := relabel(examples, func(l string) string { return "其他" + l })
		stderr.Reset()
		r, err := runTagJSON(t, a, out, "eval", "--in", writeExamples(t, "other.jsonl", other))
		if err != nil {
			t.Fatalf("eval: %v", err)
		}
		if r["macro_f1"].(float64) != 0 {
			t.Errorf("macro_f1 = %v, want 0", r["macro_f1"])
		}
		if !strings.Contains(stderr.String(), "shares no label") || !strings.Contains(stderr.String(), "其他"+examples[0].Label) {
			t.Errorf("stderr does not warn about the unknown labels:\n%s", stderr.String())
		}
	})
}

func TestTagTrainLabelsOutsideProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		p, err := profile.Load("police")
		if err != nil {
			t.Fatal(err)
		}
		// The labels of a data set with its own types, as in docs/tagging.md.
		types := map[string]string{"投诉": "投诉/求助", "求助": "投诉/求助", "建议": "建言", "表扬": "建言", "咨询": "咨询"}
		kinds := demo.KindExamples(p, 600, 7)
		foreign := writeExamples(t, "foreign.jsonl", relabel(kinds, func(l string) string { return types[l] }))
		for _, sub := range [][]string{{"train", "--in"}, {"retrain", "--base"}} {
			_, err := runTagJSON(t, a, out, sub[0], "--head", "kind", sub[1], foreign)
			if err == nil || !strings.Contains(err.Error(), "建言, 投诉/求助") || !strings.Contains(err.Error(), "--any-labels") {
				t.Errorf("%s with kinds outside the profile: err = %v, want one naming 建言, 投诉/求助 and --any-labels", sub[0], err)
			}
		}
		tags := writeExamples(t, "tags.jsonl", relabel(tagExamples(t, 300), func(l string) string { return l + "类" }))
		if _, err := runTagJSON(t, a, out, "train", "--in", tags); err == nil || !strings.Contains(err.Error(), "tags of profile") {
			t.Errorf("train with tags outside the profile: err = %v, want a rejection", err)
		}
		if versions, err := classify.Versions(context.Background(), db, ""); err != nil || len(versions) != 0 {
			t.Fatalf("versions stored = %d, %v; want none", len(versions), err)
		}

		// The evaluation experiment of docs/tagging.md still works with the flag.
		if _, err := runTagJSON(t, a, out, "train", "--head", "kind", "--any-labels", "--in", foreign); err != nil {
			t.Fatalf("train --any-labels: %v", err)
		}
		if _, err := runTagJSON(t, a, out, "eval", "--head", "kind", "--in", foreign); err != nil {
			t.Fatalf("eval: %v", err)
		}
		r, err := runTagJSON(t, a, out, "retrain", "--head", "kind", "--any-labels", "--base", foreign)
		if err != nil || r["promoted"] != true {
			t.Errorf("retrain --any-labels: %v, err %v; want promoted", r, err)
		}
	})
}

func TestScheduledRetrainRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, out := newImportApp(t, db)
		var logs bytes.Buffer
		a.log = slog.New(slog.NewTextHandler(&logs, nil))
		examples := tagExamples(t, 1500)
		if _, err := runTagJSON(t, a, out, "train", "--in", writeExamples(t, "good.jsonl", examples)); err != nil {
			t.Fatalf("train: %v", err)
		}
		ctx := context.Background()

		logs.Reset()
		retrainScheduled(ctx, a, map[string]string{"tag": writeExamples(t, "rotated.jsonl", rotateLabels(examples))})
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "candidate not promoted") ||
			!strings.Contains(logs.String(), "rollback") {
			t.Errorf("rotated base file logged:\n%s", logs.String())
		}

		logs.Reset()
		retrainScheduled(ctx, a, map[string]string{"tag": writeExamples(t, "tiny.jsonl", examples[:3])})
		if !strings.Contains(logs.String(), "scheduled retraining failed") || !strings.Contains(logs.String(), "invalid base file") {
			t.Errorf("tiny base file logged:\n%s", logs.String())
		}

		logs.Reset()
		outside := relabel(examples, func(l string) string { return l + "类" })
		retrainScheduled(ctx, a, map[string]string{"tag": writeExamples(t, "outside.jsonl", outside)})
		if !strings.Contains(logs.String(), "scheduled retraining failed") || !strings.Contains(logs.String(), "outside the profile") {
			t.Errorf("base file with tags outside the profile logged:\n%s", logs.String())
		}

		if v := activeVersion(t, db, "tag"); v != 1 {
			t.Errorf("active after the refused runs = v%d, want v1", v)
		}
	})
}

// TestTagUnknownHead rejects a head the service does not use, such as the
// typo kinds, before anything is read or stored.
func TestTagUnknownHead(t *testing.T) {
	a := &app{cfg: config{Profile: "police"}, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler)}
	for _, args := range [][]string{
		{"train", "--head", "kinds", "--in", "x.jsonl"},
		{"eval", "--head", "nope", "--in", "x.jsonl"},
		{"retrain", "--head", "kinds", "--base", "x.jsonl"},
		{"rollback", "--head", "nope"},
		{"list", "--head", "nope"},
	} {
		var ue usageError
		if err := runTag(context.Background(), a, args); !errors.As(err, &ue) {
			t.Errorf("tag %v: %v, want a usage error", args, err)
		}
	}
}
