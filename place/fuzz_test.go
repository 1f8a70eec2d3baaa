package place

import (
	"testing"
	"unicode/utf8"
)

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"解放西路与五一大道交叉口信号灯坏了", "A3区联丰路米兰春天", "路路路与与交叉口", "锦绣花园小区", "\xff路"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := utf8.RuneCountInString(text)
		prev := 0
		for _, m := range Extract(text) {
			if m.Start < prev || m.End <= m.Start || m.End > n {
				t.Fatalf("mention %+v out of order or out of range in %d runes", m, n)
			}
			if m.Name != string([]rune(text)[m.Start:m.End]) {
				t.Fatalf("name %q is not the text at [%d, %d)", m.Name, m.Start, m.End)
			}
			prev = m.End
		}
	})
}
