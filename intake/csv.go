package intake

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readCSV decodes a CSV file and parses it.
func readCSV(data []byte, ext string, opts ReadOptions) (*Reader, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	return parseCSV(strings.TrimPrefix(text, "\ufeff"), enc, ext, opts)
}

// parseCSV parses decoded CSV text whose first non-empty record is the
// header. A record with a different number of fields than the header is
// rejected, because an unquoted separator or line break inside a value shifts
// every later value into the wrong column.
func parseCSV(text, enc, ext string, opts ReadOptions) (*Reader, error) {
	delim := detectDelimiter(text, ext)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("intake: %w: the file is empty", ErrNoTextColumn)
	}
	if err != nil {
		return nil, fmt.Errorf("intake: header: %w", err)
	}
	cols, err := newColumnMap(header, opts.Map)
	if err != nil {
		return nil, err
	}
	r := &Reader{format: FormatCSV, encoding: enc, delimiter: delim, header: cols.header}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.add(Row{Line: csvErrorLine(err)}, csvError(err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if n := trimEmptyTail(rec, len(cols.header)); n != len(cols.header) {
			r.add(Row{Line: line}, fmt.Errorf("%w: %d fields but the header has %d "+
				"(a separator or line break inside a value that is not quoted?)", ErrFieldCount, len(rec), len(cols.header)))
			continue
		}
		r.add(cols.row(line, rec[:len(cols.header)]), nil)
	}
	return r, nil
}

// detectDelimiter returns '\t' when the first line has more tabs than commas
// outside quotes, as in Excel's "Unicode text" export, and ',' otherwise. A
// .tsv file with neither is read with tabs.
func detectDelimiter(text, ext string) rune {
	line, _, _ := strings.Cut(text, "\n")
	tabs, commas, quoted := 0, 0, false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\t':
			tabs++
		case c == ',':
			commas++
		}
	}
	if tabs > commas || (tabs == commas && ext == ".tsv") {
		return '\t'
	}
	return ','
}

// trimEmptyTail returns the number of fields of rec, not counting empty fields
// beyond want, which some tools append.
func trimEmptyTail(rec []string, want int) int {
	n := len(rec)
	for n > want && strings.TrimSpace(rec[n-1]) == "" {
		n--
	}
	return n
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func csvErrorLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	return 0
}

// csvError rewords encoding/csv's errors. An unterminated quote consumes the
// lines after it, so its message names the lines that were not read.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
		return fmt.Errorf("%w: a quoted value starting on line %d is not closed before line %d, "+
			"so lines %d to %d were not read", ErrSyntax, pe.StartLine, pe.Line, pe.StartLine, pe.Line)
	}
	return fmt.Errorf("%w: %v (line %d, column %d)", ErrSyntax, pe.Err, pe.Line, pe.Column)
}
