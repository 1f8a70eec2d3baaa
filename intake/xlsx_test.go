package intake

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// buildWorkbook writes a workbook whose sheets hold the given rows, with a
// date format on every time.Time cell.
func buildWorkbook(t *testing.T, date1904 bool, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
	}
	dateFmt := "yyyy/m/d h:mm"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if v == nil {
					continue
				}
				if err := f.SetCellValue(name, cell, v); err != nil {
					t.Fatal(err)
				}
				if _, ok := v.(time.Time); ok {
					if err := f.SetCellStyle(name, cell, cell, style); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXChineseHeaders(t *testing.T) {
	when := time.Date(2024, 6, 3, 18, 5, 0, 0, time.UTC)
	sheet := [][]any{
		{"工单号", "标题", "诉求内容", "受理时间", "联系电话", "事发地点", "来源"},
		{1001, "小区门口占道经营", "每天傍晚有商贩占道😀𠀀", when, "13800002222", "某某路", "12345热线"},
		{1002, "信号灯配时", "绿灯太短", "2024-06-04 09:00:00", int64(13900003333), nil, nil},
		{},
		{1003, nil, nil, nil, nil, nil, "只有来源"},
		{1004, strings.Repeat("长", MaxTitleChars+1), "b"},
		{1005, "t", "b", 45446.5},
	}
	for _, date1904 := range []bool{false, true} {
		name := "1900 dates"
		if date1904 {
			name = "1904 dates"
		}
		t.Run(name, func(t *testing.T) {
			data := buildWorkbook(t, date1904, map[string][][]any{"工单": sheet}, "工单")
			r, err := openBytes(t, "book.xlsx", data, ReadOptions{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if r.Format() != FormatXLSX || r.Encoding() != EncodingXLSX {
				t.Errorf("format %q encoding %q", r.Format(), r.Encoding())
			}
			if want := sheet[0]; len(r.Header()) != len(want) || r.Header()[1] != "标题" {
				t.Errorf("header %q", r.Header())
			}
			rows, errs := readAll(t, r)
			// A plain number in the time column, without a date format, is
			// still a serial date in the workbook's date system.
			serialTime := "2024-06-03 12:00:00"
			if date1904 {
				serialTime = "2028-06-04 12:00:00"
			}
			want := []Row{
				{Line: 2, ID: "1001", Title: "小区门口占道经营", Body: "每天傍晚有商贩占道😀𠀀", Time: "2024-06-03 18:05:00",
					Phone: "13800002222", Place: "某某路", Extra: map[string]string{"来源": "12345热线"}},
				{Line: 3, ID: "1002", Title: "信号灯配时", Body: "绿灯太短", Time: "2024-06-04 09:00:00",
					Phone: "13900003333"},
				{Line: 7, ID: "1005", Title: "t", Body: "b", Time: serialTime},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("rows\n got %+v\nwant %+v", rows, want)
			}
			if want := []int{5, 6}; !reflect.DeepEqual(errLines(errs), want) {
				t.Fatalf("error lines %v, want %v (%v)", errLines(errs), want, errs)
			}
			if !errors.Is(errs[0], ErrNoText) || !errors.Is(errs[1], ErrTooLong) {
				t.Errorf("errors %v, want ErrNoText and ErrTooLong", errs)
			}
		})
	}
}

func TestXLSXSheetChoice(t *testing.T) {
	data := buildWorkbook(t, false, map[string][][]any{
		"说明": {{"本表为导出数据"}},
		"数据": {{"标题", "内容"}, {"t", "b"}},
	}, "说明", "数据")
	path := writeFile(t, "two.xlsx", data)

	_, err := Open(path, ReadOptions{})
	if !errors.Is(err, ErrNoTextColumn) || !strings.Contains(err.Error(), "说明") {
		t.Errorf("first sheet: error %v, want ErrNoTextColumn naming the sheet", err)
	}
	r, err := Open(path, ReadOptions{Sheet: "数据"})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := readAll(t, r)
	if len(rows) != 1 || rows[0].Body != "b" {
		t.Errorf("rows %+v", rows)
	}
	if _, err := Open(path, ReadOptions{Sheet: "没有"}); err == nil || !strings.Contains(err.Error(), `"数据"`) {
		t.Errorf("missing sheet: error %v, want one listing the sheets", err)
	}
}

func TestXLSXRenamedToCSV(t *testing.T) {
	data := buildWorkbook(t, false, map[string][][]any{"S": {{"内容"}, {"b"}}}, "S")
	r, err := Open(writeFile(t, "export.csv", data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatXLSX {
		t.Errorf("format %q, want xlsx", r.Format())
	}
}
