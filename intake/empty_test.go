package intake

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenEmptyFile rejects a file of nothing but white space (or a BOM) in
// every format with ErrEmpty, and an empty mail as an unreadable mail.
func TestOpenEmptyFile(t *testing.T) {
	for _, name := range []string{"a.csv", "a.jsonl", "a.xlsx", "a.txt", "a.tsv"} {
		for _, data := range []string{"", " \r\n\t", "\ufeff\n"} {
			path := writeFile(t, name, []byte(data))
			if _, err := Open(path, ReadOptions{}); !errors.Is(err, ErrEmpty) {
				t.Errorf("%s %q: %v, want ErrEmpty", name, data, err)
			}
		}
	}
	r, err := Open(writeFile(t, "empty.eml", nil), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, rowErrs := readAll(t, r)
	if len(rowErrs) != 1 || !errors.Is(rowErrs[0], ErrMail) || !strings.Contains(rowErrs[0].Error(), "empty") {
		t.Errorf("empty mail: %v, want one ErrMail saying it is empty", rowErrs)
	}
}

// TestOpenSheetOnlyForWorkbooks rejects a worksheet name for a CSV file
// instead of ignoring it.
func TestOpenSheetOnlyForWorkbooks(t *testing.T) {
	path := writeFile(t, "a.csv", []byte("标题,内容\n路灯,坏了\n"))
	if _, err := Open(path, ReadOptions{Sheet: "工单"}); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("sheet on a CSV file: %v, want ErrUnsupportedFormat", err)
	}
}

// TestOpenMailFolderListsSubfolders reads a folder with a mail and a
// sub-folder, and lists the sub-folder among the ignored entries.
func TestOpenMailFolderListsSubfolders(t *testing.T) {
	dir := t.TempDir()
	mail := "From: x@example.org\r\nMessage-ID: <s@x>\r\nSubject: test\r\n\r\n路灯坏了\r\n"
	if err := os.WriteFile(filepath.Join(dir, "one.eml"), []byte(mail), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "older"), 0o700); err != nil {
		t.Fatal(err)
	}
	r, err := OpenMail([]string{dir}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "older") + string(filepath.Separator)
	if got := r.Ignored(); len(got) != 1 || got[0] != want {
		t.Errorf("ignored %v, want [%s]", got, want)
	}
}

// TestOpenHeaderOnly rejects a CSV file and a workbook that hold a header
// row and nothing else, instead of importing nothing and succeeding.
func TestOpenHeaderOnly(t *testing.T) {
	path := writeFile(t, "header.csv", []byte("标题,内容\r\n"))
	if _, err := Open(path, ReadOptions{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("header-only CSV: %v, want ErrEmpty", err)
	}
	book := buildWorkbook(t, false, map[string][][]any{"工单": {{"标题", "内容"}}}, "工单")
	if _, err := Open(writeFile(t, "header.xlsx", book), ReadOptions{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("header-only workbook: %v, want ErrEmpty", err)
	}
}
