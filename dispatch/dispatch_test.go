package dispatch

import (
	"strings"
	"testing"

	"minyi/profile"
)

func police(t *testing.T) *profile.Profile {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatalf("load police profile: %v", err)
	}
	return p
}

func TestRoute(t *testing.T) {
	r := NewRouter(police(t))
	model := func(label string, conf float64) Prediction {
		return Prediction{Label: label, Confidence: conf, Source: "model:tag:v1"}
	}
	tests := []struct {
		name       string
		item       Item
		wantUnit   string
		wantTag    string
		wantTriage string // substring of the triage reason
		transferTo string
	}{
		{name: "tag rule", item: Item{Text: "路口拥堵", Tag: model("交通拥堵", 0.9), HasTag: true},
			wantUnit: "traffic", wantTag: "交通拥堵"},
		{name: "code unit within the rule's subtree", wantUnit: "tb-qinghe", wantTag: "交通拥堵",
			item: Item{Text: "路口拥堵", CodeUnit: "tb-qinghe", Tag: model("交通拥堵", 0.9), HasTag: true}},
		{name: "code unit outside the rule's subtree falls back", wantUnit: "traffic", wantTag: "交通拥堵",
			item: Item{Text: "路口拥堵", CodeUnit: "ps-dongguan", Tag: model("交通拥堵", 0.9), HasTag: true}},
		{name: "station tag through a station code", wantUnit: "ps-dongguan", wantTag: "噪声扰民",
			item: Item{Text: "楼下噪音", CodeUnit: "ps-dongguan", Tag: model("噪声扰民", 0.8), HasTag: true}},
		{name: "station tag without a code goes to triage", wantTriage: "no routing rule",
			item: Item{Text: "楼下噪音", Tag: model("噪声扰民", 0.8), HasTag: true}, wantTag: "噪声扰民"},
		{name: "low confidence", wantTriage: "below the threshold", wantTag: "交通拥堵",
			item: Item{Text: "不太清楚", Tag: model("交通拥堵", 0.3), HasTag: true}},
		{name: "no model", wantTriage: "no tag", item: Item{Text: "随便写写"}},
		{name: "keyword rule outranks the model", wantUnit: "ps-dongguan", wantTag: "电信诈骗",
			item: Item{Text: "有人冒充客服让我转账到安全账户", CodeUnit: "ps-dongguan", Tag: model("窗口服务", 0.95), HasTag: true}},
		{name: "keyword rule overrides low confidence", wantUnit: "traffic", wantTag: "信号灯配时",
			item: Item{Text: "这个路口绿灯太短了", Tag: model("交通拥堵", 0.2), HasTag: true}},
		{name: "conduct tag goes to discipline, not the code's station", wantUnit: "ducha", wantTag: "民警执法态度",
			item: Item{Text: "民警态度恶劣", CodeUnit: "ps-dongguan", Tag: model("民警执法态度", 0.9), HasTag: true}},
		{name: "unsure conduct tag goes to triage", wantTriage: "below the threshold", wantTag: "民警执法态度",
			item: Item{Text: "说不清楚", CodeUnit: "ps-dongguan", Tag: model("民警执法态度", 0.17), HasTag: true}},
		{name: "complaint about an officer goes to discipline", wantUnit: "ducha", wantTag: "窗口服务",
			item: Item{Text: "办事太慢", Kind: "投诉", OfficerID: "o001", CodeUnit: "ps-dongguan",
				Tag: model("窗口服务", 0.9), HasTag: true}},
		{name: "outside remit proposes transfer", wantTriage: "outside the bureau's remit", transferTo: "12345",
			wantTag: "物业纠纷", item: Item{Text: "物业乱收费", Tag: model("物业纠纷", 0.9), HasTag: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := r.Route(tc.item)
			if d.Tag != tc.wantTag {
				t.Errorf("tag = %q, want %q", d.Tag, tc.wantTag)
			}
			if tc.wantTriage != "" {
				if !d.Triage || !strings.Contains(d.Reason, tc.wantTriage) {
					t.Fatalf("want triage %q, got unit %q triage %v reason %q", tc.wantTriage, d.UnitID, d.Triage, d.Reason)
				}
				if d.TransferTo != tc.transferTo {
					t.Errorf("transfer to = %q, want %q", d.TransferTo, tc.transferTo)
				}
				return
			}
			if d.Triage || d.UnitID != tc.wantUnit {
				t.Fatalf("unit = %q (triage %v: %s), want %q; steps:\n%s", d.UnitID, d.Triage, d.Reason, tc.wantUnit,
					strings.Join(d.Steps, "\n"))
			}
			if len(d.Steps) == 0 || d.Source == "" {
				t.Errorf("decision has no explanation: %+v", d)
			}
		})
	}
}
