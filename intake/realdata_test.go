package intake

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRealDataFiles reads the real message files when MINYI_DATA names their
// folder. Every line must come back as a row or a row error, and the only
// errors allowed are bodies over MaxBodyChars.
func TestRealDataFiles(t *testing.T) {
	dir := os.Getenv("MINYI_DATA")
	if dir == "" {
		t.Skip("set MINYI_DATA to the folder of the real message files to run this test")
	}
	for _, name := range []string{"teddy-sample.jsonl", "teddy-bodies.jsonl", "teddy-hot-issues.jsonl"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			lines := countLines(t, path)
			start := time.Now()
			r, err := Open(path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := readAll(t, r)
			t.Logf("%d rows, %d row errors in %v", len(rows), len(errs), time.Since(start))
			if len(rows)+len(errs) != lines {
				t.Errorf("%d rows and %d errors for %d lines", len(rows), len(errs), lines)
			}
			for _, e := range errs {
				if !errors.Is(e, ErrTooLong) {
					t.Errorf("line %d: %v", e.Line, e.Err)
				}
			}
		})
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
