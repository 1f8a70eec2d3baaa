package intake

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// caseRows are the records of testdata/csv_*: the same two generated items
// saved by different tools. GBK has no code for the emoji, so the GBK file
// omits it: its second body ends in 帮助, with no replacement character or
// question mark. GB18030 encodes the emoji in four bytes.
func caseRows(withEmoji bool) []Row {
	emoji := ""
	if withEmoji {
		emoji = "😀"
	}
	return []Row{
		{
			Line: 2, Title: "小区门口占道经营", Body: "每天傍晚有商贩占道，影响通行–请处理",
			Phone: "１３８００００２２２２", Time: "2024/6/3 18:05", Extra: map[string]string{"来源": "12345热线"},
		},
		{
			Line: 3, Title: "表扬民警王测试", Body: "感谢朱镕路派出所民警热心帮助" + emoji,
			Phone: "0731-8888 0000转123", Time: "2024-06-04 09:00:00", Extra: map[string]string{"来源": "信箱"},
		},
	}
}

func TestCaseFilesEncodings(t *testing.T) {
	tests := []struct {
		file      string
		encoding  string
		delimiter rune
		emoji     bool
	}{
		{"csv_utf8_bom.csv", EncodingUTF8BOM, ',', true},
		{"csv_utf16le_tab.txt", EncodingUTF16LE, '\t', true},
		{"csv_gb18030_emoji.csv", EncodingGB18030, ',', true},
		{"csv_gbk_nobom.csv", EncodingGB18030, ',', false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := Open(filepath.Join("testdata", tt.file), ReadOptions{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if r.Encoding() != tt.encoding {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), tt.encoding)
			}
			if r.Delimiter() != tt.delimiter {
				t.Errorf("Delimiter() = %q, want %q", r.Delimiter(), tt.delimiter)
			}
			if r.Format() != FormatCSV {
				t.Errorf("Format() = %q, want csv", r.Format())
			}
			rows, errs := readAll(t, r)
			if len(errs) != 0 {
				t.Fatalf("row errors: %v", errs)
			}
			if want := caseRows(tt.emoji); !reflect.DeepEqual(rows, want) {
				t.Errorf("rows differ\n got %+v\nwant %+v", rows, want)
			}
		})
	}
}

// The three files that can carry the emoji give rows with the same keys, so
// importing any of them after another creates nothing new.
func TestCaseFilesSameKeys(t *testing.T) {
	var first []string
	for _, file := range []string{"csv_utf8_bom.csv", "csv_utf16le_tab.txt", "csv_gb18030_emoji.csv"} {
		r, err := Open(filepath.Join("testdata", file), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := readAll(t, r)
		var keys []string
		for _, row := range rows {
			keys = append(keys, row.Key())
		}
		if first == nil {
			first = keys
			continue
		}
		if !reflect.DeepEqual(keys, first) {
			t.Errorf("%s: keys %v, want %v", file, keys, first)
		}
	}
}

func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMixedEncodingRejected(t *testing.T) {
	header := "标题,内容\n"
	utf8Line := "路灯不亮,晚上很黑\n"
	gbLine := "噪声扰民,楼下施工到半夜\n"
	join := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name     string
		data     []byte
		wantLine int
	}{
		{"utf8 then gb18030", join([]byte(header), []byte(utf8Line), []byte(utf8Line), gb18030(t, gbLine)), 4},
		{"gb18030 then utf8", join(gb18030(t, header), gb18030(t, gbLine), []byte(utf8Line)), 3},
		{"ascii then mixed", join([]byte("title,body\n"), []byte("a,b\n"), []byte(utf8Line), gb18030(t, gbLine)), 4},
		{"bom then gb18030", join([]byte("\ufeff"+header), gb18030(t, gbLine)), 2},
		{"stray byte", join([]byte(header), []byte(utf8Line), []byte("坏,\xff\xfe\n")), 3},
		{"utf16 lone surrogate", []byte{0xff, 0xfe, 'a', 0, '\n', 0, 'b', 0, 0x00, 0xd8, 'c', 0}, 2},
		{"utf16 odd length", []byte{0xff, 0xfe, 'a', 0, 'b'}, 1},
		{"nul bytes without bom", []byte("t\x00i\x00t\x00l\x00e\x00"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(t, "mixed.csv", tt.data, ReadOptions{})
			if err == nil {
				rows, errs := readAll(t, r)
				t.Fatalf("Open succeeded with %d rows and %d row errors, want an encoding error", len(rows), len(errs))
			}
			var ee *EncodingError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is not an *EncodingError", err)
			}
			if ee.Line != tt.wantLine {
				t.Errorf("Line = %d, want %d (error: %v)", ee.Line, tt.wantLine, err)
			}
			if !errors.Is(err, ErrEncoding) {
				t.Errorf("error does not wrap ErrEncoding: %v", err)
			}
			if !strings.Contains(err.Error(), "line") {
				t.Errorf("message %q does not name the line", err)
			}
		})
	}
}

func TestDecodeTextUTF16BE(t *testing.T) {
	// "标题\t内容\n" and "测试\t😀\n" in UTF-16BE with a byte order mark.
	data := []byte{0xfe, 0xff, 0x68, 0x07, 0x98, 0x98, 0, '\t', 0x51, 0x85, 0x5b, 0xb9, 0, '\n',
		0x6d, 0x4b, 0x8b, 0xd5, 0, '\t', 0xd8, 0x3d, 0xde, 0x00, 0, '\n'}
	text, enc, err := decodeText(data)
	if err != nil {
		t.Fatal(err)
	}
	if enc != EncodingUTF16BE {
		t.Errorf("encoding %q, want %q", enc, EncodingUTF16BE)
	}
	if want := "标题\t内容\n测试\t😀\n"; text != want {
		t.Errorf("text %q, want %q", text, want)
	}
}
