package intake

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 2, "ab"},
		{"abc", 3, "abc"},
		{"abc", 10, "abc"},
		{"测试文本", 2, "测试"},
		{"😀😀😀", 2, "😀😀"},
		{"a𠀀b", 2, "a𠀀"},
		{"abc", 0, ""},
		{"abc", -1, ""},
		{"", 3, ""},
		{"a\xffb", 2, "a\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if utf8.ValidString(tt.in) && !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) cut a character: %q", tt.in, tt.max, got)
			}
		})
	}
}

func TestCharCount(t *testing.T) {
	if n := CharCount("a测😀𠀀"); n != 4 {
		t.Errorf("CharCount = %d, want 4", n)
	}
}

func TestRowKey(t *testing.T) {
	base := Row{Line: 2, Title: "t", Body: "b", Extra: map[string]string{"来源": "热线"}}
	moved := base
	moved.Line = 9
	changed := base
	changed.Body = "b2"
	withID := base
	withID.ID = "A-1"
	otherExtra := base
	otherExtra.Extra = map[string]string{"来源": "信箱"}
	// Values that only line up when joined must not collide.
	shiftA := Row{Title: "ab", Body: "c"}
	shiftB := Row{Title: "a", Body: "bc"}

	if base.Key() != moved.Key() {
		t.Error("key depends on the line number")
	}
	if base.Key() == changed.Key() {
		t.Error("key ignores the body")
	}
	if base.Key() == otherExtra.Key() {
		t.Error("key ignores Extra")
	}
	if withID.Key() != "A-1" {
		t.Errorf("key with an id = %q, want the id", withID.Key())
	}
	if shiftA.Key() == shiftB.Key() {
		t.Error("key collides for shifted values")
	}
	if !strings.HasPrefix(base.Key(), "sha256:") {
		t.Errorf("key %q lacks its sha256: prefix", base.Key())
	}
}
