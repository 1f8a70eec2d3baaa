//go:build sherpa

package asr

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With the tag but no model, Open reports why recognition is off instead of
// failing, so minyi starts and keeps recordings for staff.
func TestSherpaWithoutModel(t *testing.T) {
	empty := t.TempDir()
	tokensOnly, tiny := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(tokensOnly, "tokens.txt"), filepath.Join(tiny, "tokens.txt")} {
		if err := os.WriteFile(f, []byte("<blk> 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A failed download: a file that would abort onnxruntime never reaches it.
	if err := os.WriteFile(filepath.Join(tiny, "model.int8.onnx"), []byte("<html>404</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, dir, url, want string
		enabled              bool
	}{
		{"missing folder", filepath.Join(empty, "nope"), "", "not found", false},
		{"empty folder", empty, "", "no tokens.txt", false},
		{"no model file", tokensOnly, "", "neither model.int8.onnx nor model.onnx", false},
		{"truncated model file", tiny, "", "too small for a speech model", false},
		{"falls back to the URL", empty, "http://127.0.0.1:9", "no tokens.txt", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, st, err := Open(Config{ModelDir: c.dir, URL: c.url, Threads: 1})
			if err != nil || st.Enabled != c.enabled || (r != nil) != c.enabled || !strings.Contains(st.Reason, c.want) {
				t.Fatalf("Open = %v, %+v, %v; want enabled %v and a reason with %q", r, st, err, c.enabled, c.want)
			}
		})
	}
}

// With MINYI_ASR_TEST_MODEL_DIR pointing at a real model, a recording of
// generated speech produces some text. No model can be installed on CI, so
// this runs only where an operator has one.
func TestSherpaWithModel(t *testing.T) {
	dir := os.Getenv("MINYI_ASR_TEST_MODEL_DIR")
	wavPath := os.Getenv("MINYI_ASR_TEST_WAV")
	if dir == "" || wavPath == "" {
		t.Skip("set MINYI_ASR_TEST_MODEL_DIR and MINYI_ASR_TEST_WAV (16 kHz mono Mandarin) to run")
	}
	r, st, err := Open(Config{ModelDir: dir, Threads: 2, Timeout: time.Minute})
	if err != nil || !st.Enabled {
		t.Fatalf("Open = %+v, %v", st, err)
	}
	wav, err := os.ReadFile(wavPath)
	if err != nil {
		t.Fatal(err)
	}
	text, err := r.Recognize(context.Background(), wav)
	if err != nil || text == "" {
		t.Fatalf("Recognize = %q, %v", text, err)
	}
	t.Logf("recognised %q", text)
}
