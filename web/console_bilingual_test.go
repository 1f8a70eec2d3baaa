package web

import "testing"

// TestSplitBilingual checks the split of the router's 中文（English） text,
// including brackets that belong to the Chinese and brackets inside the
// English.
func TestSplitBilingual(t *testing.T) {
	tests := []struct {
		name, line, zh, en string
	}{
		{"one sentence", `没有派单规则能安排“噪声扰民”（no routing rule places tag "噪声扰民"）`,
			"没有派单规则能安排“噪声扰民”", `no routing rule places tag "噪声扰民"`},
		{"two reasons", "候选单位相持（candidates disagree: a and b）; 地点距甲辖区边界不足 50 米，请核实地点（the point lies within 50 m of the area of 甲: check the place）",
			"候选单位相持；地点距甲辖区边界不足 50 米，请核实地点",
			"candidates disagree: a and b; the point lies within 50 m of the area of 甲: check the place"},
		{"unit id in the Chinese", "派至东莞派出所（ps-dongguan），依据 rule:x（dispatched to 东莞派出所 (ps-dongguan) by rule:x）",
			"派至东莞派出所（ps-dongguan），依据 rule:x", "dispatched to 东莞派出所 (ps-dongguan) by rule:x"},
		{"number in the Chinese", "模型判断的“噪声扰民”（0.90）按规则“甲”指向本单位（the model's tag points here）",
			"模型判断的“噪声扰民”（0.90）按规则“甲”指向本单位", "the model's tag points here"},
		{"brackets in the English", `没有派单规则能安排“噪声（夜间）”（no routing rule places tag "噪声（夜间）"）`,
			"没有派单规则能安排“噪声（夜间）”", `no routing rule places tag "噪声（夜间）"`},
		{"Chinese only", "语音留言（待转写）", "语音留言（待转写）", ""},
		{"unbalanced", "无法判断（no tag could", "无法判断（no tag could", ""},
		{"English only", "needs transcription", "needs transcription", ""},
	}
	for _, tc := range tests {
		zh, en := splitBilingual(tc.line)
		if zh != tc.zh {
			t.Errorf("%s: Chinese %q, want %q", tc.name, zh, tc.zh)
		}
		if en != tc.en {
			t.Errorf("%s: English %q, want %q", tc.name, en, tc.en)
		}
	}
}

// TestBilingualByLine checks that an explanation keeps its lines and that a
// line without English shows in both languages.
func TestBilingualByLine(t *testing.T) {
	text := "无法判断类别（no tag could be assigned）\n转人工分拣：甲\n分类置信度 0.40 低于阈值 0.60（confidence 0.40 is below the threshold 0.60）"
	zh := (&consoleView{Lang: "zh"}).Bilingual(text)
	if want := "无法判断类别\n转人工分拣：甲\n分类置信度 0.40 低于阈值 0.60"; zh != want {
		t.Errorf("Chinese %q, want %q", zh, want)
	}
	en := (&consoleView{Lang: "en"}).Bilingual(text)
	if want := "no tag could be assigned\n转人工分拣：甲\nconfidence 0.40 is below the threshold 0.60"; en != want {
		t.Errorf("English %q, want %q", en, want)
	}
}
