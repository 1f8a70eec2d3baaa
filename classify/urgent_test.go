package classify

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

func TestUrgentTestSet(t *testing.T) {
	f, err := os.Open("testdata/urgent.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tp, fp, fn, tn int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var row struct {
			Text   string `json:"text"`
			Urgent bool   `json:"urgent"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		got, reason := Urgent(row.Text)
		switch {
		case got && row.Urgent:
			tp++
		case got && !row.Urgent:
			fp++
			t.Logf("false alarm, line %d (%s): %s", line, reason, row.Text)
		case !got && row.Urgent:
			fn++
			t.Logf("missed, line %d: %s", line, row.Text)
		default:
			tn++
		}
		if got && reason == "" {
			t.Errorf("line %d: urgent without a reason", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	if tp+fn < 50 || fp+tn < 50 {
		t.Fatalf("test set has %d urgent and %d other sentences, want at least 50 of each", tp+fn, fp+tn)
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(tp+fn)
	t.Logf("urgent: %d sentences, %d urgent; precision %.3f, recall %.3f (tp %d, fp %d, fn %d, tn %d)",
		tp+fp+fn+tn, tp+fn, precision, recall, tp, fp, fn, tn)
	if recall < 0.98 {
		t.Errorf("recall = %.3f, want at least 0.98", recall)
	}
	if precision < 0.9 {
		t.Errorf("precision = %.3f, want at least 0.9", precision)
	}
}

func TestUrgentRules(t *testing.T) {
	cases := []struct {
		text   string
		want   bool
		reason string
	}{
		{"对面楼着火了", true, "火情：着火"},
		{"没有着火，是烧烤的烟", false, ""},
		{"这是我的救命钱", false, ""},
		{"救命钱被人抢走了，人还在附近", true, "抢劫盗窃：抢走"},
		{"如果着火了怎么办", false, ""},
		{"去年的爆炸事故赔偿到现在还没有发", false, ""},
		{"上次打人的那个人现在又来了", true, "暴力：打人"},
		{"有人持刀！", true, "持械：持刀"},
		{"ｆｕｌｌ-width text 有人持刀", true, "持械：持刀"},
		{"", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			got, reason := Urgent(tc.text)
			if got != tc.want || reason != tc.reason {
				t.Errorf("Urgent = %v, %q; want %v, %q", got, reason, tc.want, tc.reason)
			}
		})
	}
}
