package web

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// xlsxSheet is a workbook with one sheet written as a stream, and the two
// cell styles every minyi spreadsheet uses: dates in a number format, so they
// show as dates, and bold column names.
type xlsxSheet struct {
	file *excelize.File
	sw   *excelize.StreamWriter
	rows int
	Date int // style id of date cells
	Bold int // style id of column names
}

// newXLSXSheet starts a workbook whose only sheet is named name, with dates
// shown in dateFormat and the columns given these widths in characters.
// Close it after Write.
func newXLSXSheet(name, dateFormat string, widths []float64) (*xlsxSheet, error) {
	x := &xlsxSheet{file: excelize.NewFile()}
	err := x.file.SetSheetName("Sheet1", name)
	if err == nil {
		x.sw, err = x.file.NewStreamWriter(name)
	}
	if err == nil {
		x.Date, err = x.file.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	}
	if err == nil {
		x.Bold, err = x.file.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	for i := 0; err == nil && i < len(widths); i++ {
		err = x.sw.SetColWidth(i+1, i+1, widths[i])
	}
	if err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// AddRow appends one row of cells.
func (x *xlsxSheet) AddRow(cells []any) error {
	x.rows++
	return x.sw.SetRow("A"+strconv.Itoa(x.rows), cells)
}

// Write flushes the sheet and writes the workbook to out.
func (x *xlsxSheet) Write(out io.Writer) error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	if err := x.file.Write(out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// Close releases the workbook's temporary files.
func (x *xlsxSheet) Close() { _ = x.file.Close() }
