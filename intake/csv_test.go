package intake

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCSVBadRowsInMiddle(t *testing.T) {
	data := strings.Join([]string{
		"编号,标题,内容,时间",
		"A1,路灯不亮,晚上很黑,2024-06-01 20:00",
		"A2,噪声扰民,楼下施工,到半夜,2024-06-02 23:00", // one comma too many
		"A3,违章停车,小区门口,2024-06-03 08:00",
		`A4,诈骗电话,自称"客服",2024-06-04 10:00`, // bare quote
		"A5,,,2024-06-05 10:00",           // neither title nor body
		`A6,"多行内容","第一行`,
		`第二行",2024-06-06 09:00`,
		"A7,信号灯,配时太短,2024-06-07 07:30",
	}, "\n") + "\n"
	r, err := openBytes(t, "bad.csv", []byte(data), ReadOptions{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if r.Len() != 7 {
		t.Errorf("Len() = %d, want 7", r.Len())
	}
	rows, errs := readAll(t, r)
	var ids []string
	var lines []int
	for _, row := range rows {
		ids = append(ids, row.ID)
		lines = append(lines, row.Line)
	}
	if want := []string{"A1", "A3", "A6", "A7"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if want := []int{2, 4, 7, 9}; !reflect.DeepEqual(lines, want) {
		t.Errorf("row lines %v, want %v", lines, want)
	}
	if want := []int{3, 5, 6}; !reflect.DeepEqual(errLines(errs), want) {
		t.Fatalf("error lines %v, want %v (%v)", errLines(errs), want, errs)
	}
	if !errors.Is(errs[0], ErrFieldCount) {
		t.Errorf("line 3: %v, want ErrFieldCount", errs[0])
	}
	if !errors.Is(errs[1], ErrSyntax) {
		t.Errorf("line 5: %v, want ErrSyntax", errs[1])
	}
	if !errors.Is(errs[2], ErrNoText) {
		t.Errorf("line 6: %v, want ErrNoText", errs[2])
	}
	if rows[2].Body != "第一行\n第二行" {
		t.Errorf("multi-line body %q", rows[2].Body)
	}
}

func TestCSVUnclosedQuote(t *testing.T) {
	data := "标题,内容\n路灯,不亮\n噪声,\"没有结束\n违章,停车\n"
	r, err := openBytes(t, "q.csv", []byte(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if len(rows) != 1 || rows[0].Line != 2 {
		t.Errorf("rows %+v, want only line 2", rows)
	}
	if len(errs) != 1 || errs[0].Line != 3 {
		t.Fatalf("errors %v, want one on line 3", errs)
	}
	if !strings.Contains(errs[0].Error(), "not closed") {
		t.Errorf("message %q does not say the quote is not closed", errs[0])
	}
}

func TestCSVHeaderMapping(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		opts    string
		want    Row
		wantErr string
	}{
		{
			name: "english headers",
			data: "ID,Title,Body,Time,Phone,Name,Place,Kind,Label\n7,t,b,2024-01-01,1,n,p,k,l\n",
			want: Row{Line: 2, ID: "7", Title: "t", Body: "b", Time: "2024-01-01", Phone: "1", Name: "n",
				Place: "p", Kind: "k", Label: "l"},
		},
		{
			name: "chinese synonyms",
			data: "工单号,主题,诉求内容,受理时间,手机,联系人,事发地点,诉求类型,分类\n" +
				"9, 主题 ,正文 ,2024-01-01 ,１３９ ,张测试,某路,投诉,交通\n",
			want: Row{Line: 2, ID: "9", Title: " 主题 ", Body: "正文 ", Time: "2024-01-01", Phone: "１３９",
				Name: "张测试", Place: "某路", Kind: "投诉", Label: "交通"},
		},
		{
			name: "required marks and spaces",
			data: "标题*, 内容 ,备注\nt,b,\n",
			want: Row{Line: 2, Title: "t", Body: "b"},
		},
		{
			name: "map unknown columns",
			data: "流水号,诉求描述,来源\nX9,描述,热线\n",
			opts: "流水号=id,诉求描述=body",
			want: Row{Line: 2, ID: "X9", Body: "描述", Extra: map[string]string{"来源": "热线"}},
		},
		{
			name: "map wins over alias",
			data: "内容,详细描述\n短,长\n",
			opts: "详细描述=body",
			want: Row{Line: 2, Body: "长", Extra: map[string]string{"内容": "短"}},
		},
		{
			name: "map to extra",
			data: "标题,内容,正文\nt,a,b\n",
			opts: "正文=extra",
			want: Row{Line: 2, Title: "t", Body: "a", Extra: map[string]string{"正文": "b"}},
		},
		{
			name: "full-width separators in map",
			data: "事项,说明\nt,b\n",
			opts: "事项＝title，说明＝body",
			want: Row{Line: 2, Title: "t", Body: "b"},
		},
		{
			name: "repeated and empty extra headers",
			data: "标题,备注,备注,\nt,x,y,z\n",
			want: Row{Line: 2, Title: "t", Extra: map[string]string{"备注": "x", "备注 (2)": "y", "column 4": "z"}},
		},
		{
			name:    "no text column",
			data:    "编号,来源,电话\n1,热线,123\n",
			wantErr: `the header has "编号", "来源", "电话"`,
		},
		{
			name:    "two body columns",
			data:    "内容,正文\na,b\n",
			wantErr: `columns "内容", "正文" all map to body`,
		},
		{
			name:    "mapped column missing",
			data:    "标题,内容\nt,b\n",
			opts:    "诉求=body",
			wantErr: `--map names column "诉求", which the header lacks`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMap(tt.opts)
			if err != nil {
				t.Fatalf("ParseMap: %v", err)
			}
			r, err := openBytes(t, "m.csv", []byte(tt.data), ReadOptions{Map: m})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			rows, errs := readAll(t, r)
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %+v, errors %v, want one row", rows, errs)
			}
			if !reflect.DeepEqual(rows[0], tt.want) {
				t.Errorf("row\n got %+v\nwant %+v", rows[0], tt.want)
			}
		})
	}
}

func TestNoTextColumnError(t *testing.T) {
	_, err := openBytes(t, "n.csv", []byte("a,b\n1,2\n"), ReadOptions{})
	if !errors.Is(err, ErrNoTextColumn) {
		t.Fatalf("error %v, want ErrNoTextColumn", err)
	}
}

func TestParseMapErrors(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"列=bogus", `unknown field "bogus"`},
		{"列", "write COLUMN=FIELD"},
		{"=body", "write COLUMN=FIELD"},
		{"列=body,列=title", "mapped twice"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := ParseMap(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseMap(%q) error %v, want %q", tt.spec, err, tt.want)
			}
		})
	}
}

func TestCSVDelimiter(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             rune
	}{
		{"comma", "a.csv", "标题,内容\nt,b\n", ','},
		{"tab", "a.csv", "标题\t内容\nt\tb\n", '\t'},
		{"tab in txt", "a.txt", "标题\t内容\nt\tb\n", '\t'},
		{"quoted commas in tab file", "a.txt", "\"a,b,c\"\t标题\t内容\nx\tt\tb\n", '\t'},
		{"single column tsv", "a.tsv", "内容\nb\n", '\t'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(t, tt.file, []byte(tt.data), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Delimiter() != tt.want {
				t.Errorf("Delimiter() = %q, want %q", r.Delimiter(), tt.want)
			}
			rows, errs := readAll(t, r)
			if len(rows) != 1 || len(errs) != 0 || rows[0].Body != "b" {
				t.Errorf("rows %+v, errors %v", rows, errs)
			}
		})
	}
}

func TestCSVBlankRowsSkipped(t *testing.T) {
	data := "\n标题,内容\n\n,\nt,b\n , \n"
	r, err := openBytes(t, "b.csv", []byte(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if len(errs) != 0 || len(rows) != 1 || rows[0].Line != 5 {
		t.Errorf("rows %+v, errors %v, want one row on line 5", rows, errs)
	}
}

func TestCSVTrailingEmptyFields(t *testing.T) {
	r, err := openBytes(t, "t.csv", []byte("标题,内容\nt,b,,\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if len(errs) != 0 || len(rows) != 1 {
		t.Errorf("rows %+v, errors %v, want the row with its empty tail ignored", rows, errs)
	}
}

func TestFourByteRoundTrip(t *testing.T) {
	// 𠀀 (U+20000) and 𪚥 (U+2A6A5) are hanzi outside the basic plane; 👨‍👩‍👧 is
	// several emoji joined by U+200D.
	title := "𠀀𪚥测试😀"
	body := "我家门口👨‍👩‍👧的路灯𠮷坏了🚦"
	tests := []struct {
		name string
		file string
		data []byte
	}{
		{"utf8", "r.csv", []byte("标题,内容\n" + title + "," + body + "\n")},
		{"gb18030", "r.csv", gb18030(t, "标题,内容\n"+title+","+body+"\n")},
		{"jsonl", "r.jsonl", []byte(`{"title":"` + title + `","body":"` + body + `"}` + "\n")},
		{"jsonl escaped", "r.jsonl", []byte(`{"title":"\ud840\udc00\ud869\udea5测试\ud83d\ude00","body":"` + body + `"}` + "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(t, tt.file, tt.data, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := readAll(t, r)
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %+v, errors %v", rows, errs)
			}
			if rows[0].Title != title {
				t.Errorf("title %q, want %q", rows[0].Title, title)
			}
			if rows[0].Body != body {
				t.Errorf("body %q, want %q", rows[0].Body, body)
			}
		})
	}
}

func TestLengthLimitsCountCharacters(t *testing.T) {
	tests := []struct {
		name    string
		title   string
		body    string
		wantErr bool
	}{
		{"title at limit in 4-byte chars", strings.Repeat("😀", MaxTitleChars), "b", false},
		{"title over limit", strings.Repeat("字", MaxTitleChars+1), "b", true},
		{"body at limit in 4-byte chars", "t", strings.Repeat("𠀀", MaxBodyChars), false},
		{"body over limit", "t", strings.Repeat("a", MaxBodyChars+1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(t, "l.csv", []byte("标题,内容\n"+tt.title+","+tt.body+"\n"), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := readAll(t, r)
			if tt.wantErr {
				if len(errs) != 1 || !errors.Is(errs[0], ErrTooLong) || len(rows) != 0 {
					t.Errorf("rows %d, errors %v, want one ErrTooLong", len(rows), errs)
				}
				return
			}
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %d, errors %v, want one row", len(rows), errs)
			}
			if rows[0].Title != tt.title || rows[0].Body != tt.body {
				t.Error("text changed on the way through")
			}
		})
	}
}

func TestNULRejected(t *testing.T) {
	data := []byte("标题,内容\nt," + strings.Repeat("a", 1100) + "\nt,坏\x00值\nt2,b2\n")
	r, err := openBytes(t, "z.csv", data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if len(rows) != 2 {
		t.Errorf("got %d rows, want 2", len(rows))
	}
	if len(errs) != 1 || errs[0].Line != 3 || !errors.Is(errs[0], ErrInvalidText) {
		t.Errorf("errors %v, want ErrInvalidText on line 3", errs)
	}
}

func TestFileSizeLimit(t *testing.T) {
	data := []byte("标题,内容\n" + strings.Repeat("t,b\n", 100))
	_, err := openBytes(t, "big.csv", data, ReadOptions{MaxBytes: 64})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	if _, err := openBytes(t, "ok.csv", data, ReadOptions{MaxBytes: int64(len(data))}); err != nil {
		t.Fatalf("a file of exactly MaxBytes: %v", err)
	}
}

func TestOpenSniffsContent(t *testing.T) {
	tests := []struct {
		name, file, data string
		format           string
		wantErr          error
	}{
		{"jsonl in txt", "x.txt", `{"body":"b"}` + "\n", FormatJSONL, nil},
		{"csv in txt", "x.txt", "内容\nb\n", FormatCSV, nil},
		{"unknown extension", "x.dat", "内容\nb\n", FormatCSV, nil},
		{"old xls", "x.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "", ErrUnsupportedFormat},
		{"xlsx that is not zip", "x.xlsx", "内容\nb\n", "", ErrUnsupportedFormat},
		{"json array", "x.json", `[{"body":"b"}]`, "", ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(t, tt.file, []byte(tt.data), ReadOptions{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != tt.format {
				t.Errorf("Format() = %q, want %q", r.Format(), tt.format)
			}
		})
	}
}
