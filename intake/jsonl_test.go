package intake

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestJSONLBadLinesInMiddle(t *testing.T) {
	data := strings.Join([]string{
		`{"id": 24, "title": "路灯不亮", "body": "晚上很黑", "time": "2024-06-01 20:00:00", "user": "U1"}`,
		`{"id": "25", "title": "噪声扰民", "body": "楼下施工"`, // truncated
		``,
		`{"id": 26.5, "body": "小区门口违章停车", "likes": 3, "tags": ["a", "b"]}`,
		`["not", "an", "object"]`,
		`{"id": 27, "title": {"nested": true}}`,
		`{"id": 28}`,
		`{"id": 29, "body": "一"} {"id": 30}`,
		`{"编号": 31, "标题": "中文键", "内容": "正文", "联系电话": "139"}`,
	}, "\n")
	r, err := openBytes(t, "x.jsonl", []byte(data), ReadOptions{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if r.Encoding() != EncodingUTF8 || r.Format() != FormatJSONL {
		t.Errorf("encoding %q format %q", r.Encoding(), r.Format())
	}
	rows, errs := readAll(t, r)
	want := []Row{
		{Line: 1, ID: "24", Title: "路灯不亮", Body: "晚上很黑", Time: "2024-06-01 20:00:00",
			Extra: map[string]string{"user": "U1"}},
		{Line: 4, ID: "26.5", Body: "小区门口违章停车", Extra: map[string]string{"likes": "3", "tags": `["a","b"]`}},
		{Line: 9, ID: "31", Title: "中文键", Body: "正文", Phone: "139"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %+v\nwant %+v", rows, want)
	}
	if want := []int{2, 5, 6, 7, 8}; !reflect.DeepEqual(errLines(errs), want) {
		t.Fatalf("error lines %v, want %v (%v)", errLines(errs), want, errs)
	}
	for i, sentinel := range []error{ErrSyntax, ErrSyntax, ErrSyntax, ErrNoText, ErrSyntax} {
		if !errors.Is(errs[i], sentinel) {
			t.Errorf("line %d: %v, want %v", errs[i].Line, errs[i], sentinel)
		}
	}
}

func TestJSONLKeyMapping(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		opts    string
		want    Row
		wantErr error
	}{
		{
			name: "map a key",
			line: `{"content_text": "正文", "subject": "主题"}`,
			opts: "content_text=body",
			want: Row{Line: 1, Title: "主题", Body: "正文"},
		},
		{
			name: "explicit key wins",
			line: `{"body": "旧", "detail": "新"}`,
			opts: "detail=body",
			want: Row{Line: 1, Body: "新", Extra: map[string]string{"body": "旧"}},
		},
		{
			name:    "two aliases for one field",
			line:    `{"body": "a", "内容": "b"}`,
			wantErr: ErrDuplicateField,
		},
		{
			name: "null and bool",
			line: `{"body": "b", "label": null, "urgent": true}`,
			want: Row{Line: 1, Body: "b", Extra: map[string]string{"urgent": "true"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMap(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := openBytes(t, "k.jsonl", []byte(tt.line+"\n"), ReadOptions{Map: m})
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := readAll(t, r)
			if tt.wantErr != nil {
				if len(errs) != 1 || !errors.Is(errs[0], tt.wantErr) {
					t.Errorf("errors %v, want %v", errs, tt.wantErr)
				}
				return
			}
			if len(errs) != 0 || len(rows) != 1 {
				t.Fatalf("rows %+v, errors %v", rows, errs)
			}
			if !reflect.DeepEqual(rows[0], tt.want) {
				t.Errorf("row\n got %+v\nwant %+v", rows[0], tt.want)
			}
		})
	}
}

func TestJSONLGB18030(t *testing.T) {
	r, err := openBytes(t, "g.jsonl", gb18030(t, `{"id":1,"body":"噪声扰民"}`+"\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := readAll(t, r)
	if r.Encoding() != EncodingGB18030 {
		t.Errorf("encoding %q, want GB18030", r.Encoding())
	}
	if len(errs) != 0 || len(rows) != 1 || rows[0].Body != "噪声扰民" {
		t.Errorf("rows %+v, errors %v", rows, errs)
	}
}
