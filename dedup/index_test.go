package dedup

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"minyi/demo"
	"minyi/profile"
)

func TestCheck(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	base := "锦绣花园小区门口每天晚上都有人占道摆摊，烧烤油烟很大，垃圾满地，居民出入很不方便，希望派人管一管。"
	x := NewIndex(Options{})
	x.Add(Doc{ID: 1, Text: base, CitizenKey: "k1", At: at})
	x.Add(Doc{ID: 2, Text: "东关大街有辆白色轿车连续三天停在消防通道上，堵住了救护车的路，请尽快处理。", At: at})
	tests := []struct {
		name   string
		doc    Doc
		want   int64 // 0 means no match
		reason string
	}{
		{"exact copy", Doc{ID: 10, Text: base, At: at.Add(time.Hour)}, 1, "text 100% alike"},
		{"truncated copy", Doc{ID: 11, Text: base[:len(base)*2/3], At: at.Add(time.Hour)}, 1, "containment"},
		{"same place lowers the bar", Doc{ID: 12, Text: "锦绣花园小区门口每天晚上都有人摆摊烧烤，油烟很大开不了窗，垃圾满地。",
			At: at.Add(time.Hour)}, 1, "same place 锦绣花园"},
		{"same caller lowers the bar", Doc{ID: 13, Text: "门口每天晚上都有人占道摆摊，油烟很大，到现在也没人管。",
			CitizenKey: "k1", At: at.Add(time.Hour)}, 1, "same caller"},
		{"same text outside the window", Doc{ID: 14, Text: base, At: at.Add(8 * 24 * time.Hour)}, 0, ""},
		{"different problem", Doc{ID: 15, Text: "滨江派出所办理户口迁移要跑三次，窗口人员态度冷淡，希望简化手续。",
			At: at.Add(time.Hour)}, 0, ""},
		{"itself", Doc{ID: 1, Text: base, At: at}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms := x.Check(tc.doc)
			if tc.want == 0 {
				if len(ms) > 0 {
					t.Fatalf("matched %+v, want none", ms)
				}
				return
			}
			if len(ms) == 0 || ms[0].ID != tc.want {
				t.Fatalf("matches = %+v, want %d first", ms, tc.want)
			}
			if !containsReason(ms[0].Reasons, tc.reason) {
				t.Errorf("reasons = %q, want one containing %q", ms[0].Reasons, tc.reason)
			}
		})
	}
	t.Run("removed item no longer matches", func(t *testing.T) {
		x.Remove(1)
		if ms := x.Check(Doc{ID: 20, Text: base, At: at}); len(ms) > 0 {
			t.Errorf("matched %+v after removal", ms)
		}
		if x.Len() != 1 {
			t.Errorf("Len = %d, want 1", x.Len())
		}
	})
}

func containsReason(reasons []string, part string) bool {
	for _, r := range reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

func TestRebuildAfterRemovals(t *testing.T) {
	x := NewIndex(Options{})
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 3000 {
		x.Add(Doc{ID: int64(i + 1), Text: fmt.Sprintf("第%d号楼的电梯坏了很久没人修理，老人上下楼很困难", i), At: at})
	}
	for i := range 2500 {
		x.Remove(int64(i + 1))
	}
	if x.Len() != 500 {
		t.Fatalf("Len = %d, want 500", x.Len())
	}
	if x.dead > 1024 {
		t.Errorf("%d removed entries kept, want a rebuild", x.dead)
	}
	ms := x.Check(Doc{ID: -1, Text: "第2999号楼的电梯坏了很久没人修理，老人上下楼很困难", At: at})
	if len(ms) == 0 || ms[0].ID != 3000 {
		t.Errorf("best match = %+v, want item 3000", ms)
	}
}

// BenchmarkCheck measures one duplicate check against 100,000 open items,
// generated demo items spread over the 7-day window so every one is in reach.
func BenchmarkCheck(b *testing.B) {
	p, err := profile.Load("police")
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	items := demo.Items(p, 101_000, 3, from, from.AddDate(0, 0, 7))
	x := NewIndex(Options{})
	for i, it := range items[:100_000] {
		s := it.Submission
		x.Add(Doc{ID: int64(i + 1), Text: s.Title + "\n" + s.Body, Place: s.Place, At: s.ReceivedAt})
	}
	queries := items[100_000:]
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := queries[i%len(queries)].Submission
		x.Check(Doc{Text: s.Title + "\n" + s.Body, Place: s.Place, At: s.ReceivedAt})
	}
}
