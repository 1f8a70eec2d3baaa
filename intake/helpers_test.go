package intake

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// readAll returns every row and every row error of r.
func readAll(t *testing.T, r *Reader) ([]Row, []*RowError) {
	t.Helper()
	var rows []Row
	var rowErrs []*RowError
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, rowErrs
		}
		var re *RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

// writeFile writes data to name in a fresh temporary directory and returns
// the path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openBytes writes data to a file named name and opens it.
func openBytes(t *testing.T, name string, data []byte, opts ReadOptions) (*Reader, error) {
	t.Helper()
	return Open(writeFile(t, name, data), opts)
}

func errLines(errs []*RowError) []int {
	lines := make([]int, len(errs))
	for i, e := range errs {
		lines[i] = e.Line
	}
	return lines
}
