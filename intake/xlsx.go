package intake

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads one worksheet of an .xlsx workbook: the first non-empty row
// is the header, and each later row is a record whose Line is its row number.
// Cells show their formatted text, as Excel displays them, except in the time
// column, where a date cell becomes "2006-01-02 15:04:05" so that ParseTime
// reads it without knowing the workbook's date format.
func readXLSX(data []byte, opts ReadOptions) (*Reader, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	// A workbook is compressed XML: bound its unpacked size too, so that a
	// small crafted archive cannot fill the memory or the disk.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 8 * limit})
	if err != nil {
		return nil, fmt.Errorf("intake: xlsx: %w", err)
	}
	defer f.Close()

	sheet, err := pickSheet(f, opts.Sheet)
	if err != nil {
		return nil, err
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("intake: xlsx: sheet %q: %w", sheet, err)
	}
	headerAt := 0
	for headerAt < len(rows) && blank(rows[headerAt]) {
		headerAt++
	}
	if headerAt == len(rows) {
		return nil, fmt.Errorf("intake: %w: sheet %q is empty", ErrNoTextColumn, sheet)
	}
	cols, err := newColumnMap(rows[headerAt], opts.Map)
	if err != nil {
		return nil, fmt.Errorf("%w (sheet %q, row %d)", err, sheet, headerAt+1)
	}
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	timeCol := cols.index(FieldTime)

	r := &Reader{format: FormatXLSX, encoding: EncodingXLSX, header: cols.header}
	for i := headerAt + 1; i < len(rows); i++ {
		if blank(rows[i]) {
			continue
		}
		row := cols.row(i+1, rows[i])
		var rowErr error
		if timeCol >= 0 && timeCol < len(rows[i]) {
			row.Time, rowErr = xlsxTime(f, sheet, timeCol, i+1, row.Time, date1904)
		}
		r.add(row, rowErr)
	}
	return r, nil
}

func pickSheet(f *excelize.File, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fmt.Errorf("intake: xlsx: the workbook has no worksheet")
	}
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	return "", fmt.Errorf("intake: xlsx: no sheet %q; the workbook has %s", want, quoteList(sheets))
}

// xlsxTime returns the text of a time cell. A number in the time column is an
// Excel serial date, with or without a date format, so it is converted with
// the workbook's 1900 or 1904 date system. Other text is kept as it is.
func xlsxTime(f *excelize.File, sheet string, col, rowNum int, formatted string, date1904 bool) (string, error) {
	cell, err := excelize.CoordinatesToCellName(col+1, rowNum)
	if err != nil {
		return formatted, err
	}
	raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		return formatted, fmt.Errorf("%w: time cell %s: %v", ErrSyntax, cell, err)
	}
	raw = strings.TrimSpace(raw)
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(serial) || serial <= 0 || serial >= maxExcelSerial {
		return formatted, nil
	}
	t, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return formatted, fmt.Errorf("%w: time cell %s: %v", ErrSyntax, cell, err)
	}
	// Excel stores a time as a fraction of a day, so round away the binary noise.
	t = t.Round(time.Millisecond)
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05.000"), nil
	}
	return t.Format("2006-01-02 15:04:05"), nil
}
