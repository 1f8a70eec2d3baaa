package intake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultMaxBytes is the largest file Open reads when ReadOptions.MaxBytes is
// zero. Open decodes and parses the whole file before returning its first
// row, so the limit bounds memory: about three times the file size at most.
const DefaultMaxBytes = 200 << 20

// File formats that Reader.Format reports.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatEML   = "eml"
)

// Errors that Open returns for a file it does not read at all.
var (
	ErrTooLarge          = errors.New("file too large")
	ErrEmpty             = errors.New("empty file")
	ErrUnsupportedFormat = errors.New("unsupported file format")
)

// ReadOptions change how Open reads a file.
type ReadOptions struct {
	// Map maps column names (or JSON keys) to fields, as parsed by ParseMap.
	// It takes precedence over the built-in Chinese and English names.
	Map map[string]string
	// Sheet is the .xlsx worksheet to read; empty means the first one.
	Sheet string
	// MaxBytes is the largest file to read; zero means DefaultMaxBytes.
	MaxBytes int64
}

// Reader returns the records of one file in order. Open has already decoded
// and parsed the whole file, so Next never fails for a reason other than the
// record it returns.
type Reader struct {
	format    string
	encoding  string
	delimiter rune
	header    []string
	items     []item
	next      int
	sources   []string // the file of each record, for mails
	ignored   []string // files of a mail folder that are not mails
}

// item is one parsed record: a row, or the error that rejected or skipped it.
type item struct {
	row Row
	err error
}

// Open reads the file at path. The format follows the extension: .jsonl and
// .json are JSON Lines, .csv, .tsv and .txt are CSV, .xlsx is a workbook, and
// .eml is one mail. The content decides where the extension does not: a ZIP
// archive is read as .xlsx, and a .txt (or unknown) file whose text starts
// with "{" as JSON Lines. A folder is read as mails, as OpenMail reads it.
// Open rejects a whole file (too large, undecodable, mixed encodings, no title
// or body column); problems with single records come from Next.
func Open(path string, opts ReadOptions) (*Reader, error) {
	if strings.EqualFold(filepath.Ext(path), MailExt) {
		return OpenMail([]string{path}, opts)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return OpenMail([]string{path}, opts)
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("intake: read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("intake: %s: %w: larger than %d MB; split it into smaller files",
			path, ErrTooLarge, limit>>20)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))) == 0 {
		return nil, fmt.Errorf("intake: %w: %s contains only white space; export it again", ErrEmpty, filepath.Base(path))
	}
	r, err := read(data, strings.ToLower(filepath.Ext(path)), opts)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, filepath.Base(path))
	}
	if r.Len() == 0 {
		return nil, fmt.Errorf("intake: %w: %s has a header but no rows below it; export it again", ErrEmpty,
			filepath.Base(path))
	}
	return r, nil
}

// read chooses the reader for data by extension and content.
func read(data []byte, ext string, opts ReadOptions) (*Reader, error) {
	isXLSX := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	if opts.Sheet != "" && !isXLSX {
		return nil, fmt.Errorf("intake: %w: a worksheet was named, but only an .xlsx workbook has worksheets", ErrUnsupportedFormat)
	}
	switch {
	case isXLSX:
		return readXLSX(data, opts)
	case bytes.HasPrefix(data, []byte{0xd0, 0xcf, 0x11, 0xe0}):
		return nil, fmt.Errorf("intake: %w: an old Excel .xls workbook; save it as .xlsx or CSV", ErrUnsupportedFormat)
	case ext == ".xlsx":
		return nil, fmt.Errorf("intake: %w: the .xlsx file is not a ZIP archive; it may be cut short or not a workbook, so save it from Excel again", ErrUnsupportedFormat)
	case ext == ".jsonl" || ext == ".json" || ext == ".ndjson":
		return readJSONL(data, opts)
	case ext == ".csv" || ext == ".tsv":
		return readCSV(data, ext, opts)
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		return parseJSONL(text, enc, opts)
	}
	return parseCSV(text, enc, ext, opts)
}

// Next returns the next record. It returns a *RowError for a rejected record
// and a *SkipError for a record that is not an item (only mails are
// skipped), after which reading goes on, and io.EOF after the last record.
func (r *Reader) Next() (Row, error) {
	if r.next >= len(r.items) {
		return Row{}, io.EOF
	}
	it := r.items[r.next]
	r.next++
	return it.row, it.err
}

// Len returns the number of records in the file, rows, rejected and skipped
// records together, not counting the header and blank lines.
func (r *Reader) Len() int { return len(r.items) }

// Encoding names the text encoding that was detected, one of the Encoding
// constants.
func (r *Reader) Encoding() string { return r.encoding }

// Format returns FormatJSONL, FormatCSV, FormatXLSX or FormatEML.
func (r *Reader) Format() string { return r.format }

// Delimiter returns the field separator of a CSV file (',' or '\t'), or 0.
func (r *Reader) Delimiter() rune { return r.delimiter }

// Header returns the header cells of a CSV file or worksheet, or nil for JSON
// Lines.
func (r *Reader) Header() []string { return r.header }

func (r *Reader) add(row Row, err error) {
	if err == nil {
		err = row.validate()
	}
	if err != nil {
		r.items = append(r.items, item{err: &RowError{Line: row.Line, Err: err}})
		return
	}
	r.items = append(r.items, item{row: row})
}
