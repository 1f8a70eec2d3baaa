package classify

import (
	"cmp"
	"slices"
	"strings"
	"testing"
)

func TestGramIndexFindsEveryTerm(t *testing.T) {
	m, err := Train(generated(), Options{NoCalibration: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range m.terms {
		f, ok := m.index.lookup(g)
		if !ok || int(f) != i {
			t.Errorf("lookup(%q) = %d, %v; want %d, true", g, f, ok, i)
		}
	}
	for _, g := range []string{"飞机", "机场", "xyz", "导弹发射"} {
		if f, ok := m.index.lookup(g); ok {
			t.Errorf("lookup(%q) = %d for an n-gram that is not a feature", g, f)
		}
	}
}

func TestGramIndexRejectsRepeatedTerm(t *testing.T) {
	_, err := newGramIndex([]string{"路口", "噪音", "路口"})
	if err == nil || !strings.Contains(err.Error(), "路口") {
		t.Fatalf("err = %v, want one naming the repeated n-gram", err)
	}
}

func TestGramIndexEmpty(t *testing.T) {
	var x gramIndex
	if _, ok := x.lookup("路"); ok {
		t.Fatal("the zero index found an n-gram")
	}
	x, err := newGramIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := x.lookup("路"); ok {
		t.Fatal("an index of no terms found an n-gram")
	}
}

// TestExplainMatchesFullSort checks the running selection of the strongest
// features against sorting every contributing feature.
func TestExplainMatchesFullSort(t *testing.T) {
	m, err := Train(generated(), Options{NoCalibration: true})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"半夜酒吧吵闹，楼上装修噪音太大，邻居深夜唱歌，请尽快处理", "路口", "户口迁移需要什么材料，身份证补办要多久"}
	for _, text := range texts {
		_, feats := m.scores(text)
		k := len(m.Labels)
		for c := range m.Labels {
			var want []Feature
			for j, f := range feats.index {
				w := m.weights[int(f)*k : int(f)*k+k]
				var sum float64
				for _, v := range w {
					sum += float64(v)
				}
				others := (sum - float64(w[c])) / float64(k-1)
				if d := feats.value[j] * (float64(w[c]) - others); d > 0 {
					want = append(want, Feature{Text: m.terms[f], Weight: d})
				}
			}
			slices.SortFunc(want, func(a, b Feature) int {
				if a.Weight != b.Weight {
					return cmp.Compare(b.Weight, a.Weight)
				}
				return strings.Compare(a.Text, b.Text)
			})
			want = want[:min(len(want), explainCount)]
			if got := m.explain(c, feats); !slices.Equal(got, want) {
				t.Errorf("explain(%q, %s) = %v, want %v", text, m.Labels[c], got, want)
			}
		}
	}
}
