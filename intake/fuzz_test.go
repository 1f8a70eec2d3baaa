package intake

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzReadCSV feeds arbitrary bytes to the CSV reader. It must not panic,
// every error must be a file or row error, and every returned row must hold
// valid UTF-8 without NUL.
func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "csv_*"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("标题,内容\n路灯,\"不亮\n"))
	f.Add([]byte("内容\tx\n\"a\"b\t\n"))
	f.Add([]byte("\xff\xfe\x00\xd8"))
	f.Add([]byte("title,body\n\xb1\xea,\xcc\xe2\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := readCSV(data, ".csv", ReadOptions{})
		if err != nil {
			return
		}
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var re *RowError
				if !errors.As(err, &re) {
					t.Fatalf("Next returned %T %v, want *RowError", err, err)
				}
				continue
			}
			for _, v := range []string{row.ID, row.Title, row.Body, row.Time, row.Phone, row.Name, row.Place, row.Kind, row.Label} {
				if !utf8.ValidString(v) {
					t.Fatalf("row %d holds invalid UTF-8: %q", row.Line, v)
				}
				if strings.IndexByte(v, 0) >= 0 {
					t.Fatalf("row %d holds a NUL: %q", row.Line, v)
				}
			}
			for k, v := range row.Extra {
				if !utf8.ValidString(k) || !utf8.ValidString(v) {
					t.Fatalf("row %d extra %q=%q is invalid UTF-8", row.Line, k, v)
				}
			}
			if row.Line < 1 {
				t.Fatalf("row line %d", row.Line)
			}
		}
	})
}

// FuzzReadJSONL feeds arbitrary bytes to the JSON Lines reader with the same
// checks as FuzzReadCSV.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id": 1, "title": "路灯", "body": "不亮😀"}` + "\n" + `{"id": "2"`))
	f.Add([]byte(`{"body": "\u0000", "内容": 3}`))
	f.Add([]byte("\xef\xbb\xbf{\"body\":[1,{\"a\":null}]}\n\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := readJSONL(data, ReadOptions{})
		if err != nil {
			return
		}
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("Next returned %T %v, want *RowError", err, err)
			}
			if err == nil && (!utf8.ValidString(row.Title) || !utf8.ValidString(row.Body) ||
				strings.IndexByte(row.Body, 0) >= 0) {
				t.Fatalf("row %d holds invalid text", row.Line)
			}
		}
	})
}

// FuzzParseTime checks that ParseTime never panics and that every time it
// accepts without a zone is read in the given zone.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-06-03 18:05:00", "2024/6/3 18:05", "45446.75", "2024年6月3日", "60", "1e5"} {
		f.Add(s)
	}
	loc := time.FixedZone("test", 5*3600+1800)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, loc)
		if err != nil {
			return
		}
		if got.IsZero() {
			t.Fatalf("ParseTime(%q) accepted the zero time", s)
		}
	})
}
