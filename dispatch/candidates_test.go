package dispatch

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"minyi/place"
)

// The 清河 stations of the police profile have square areas: 东关 (ps-dongguan)
// spans longitudes 112.97–112.98 and 南门 (ps-nanmen) 112.98–112.99, both
// between latitudes 28.19 and 28.20, so they share the edge at 112.98.
var sharedEdge = place.Point{Lat: 28.195, Lon: 112.98}

func candidateIDs(cs []Candidate) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.UnitID
	}
	return ids
}

func TestRouteBoundaryExample(t *testing.T) {
	r := NewRouter(police(t))
	pt := place.Offset(sharedEdge, 0, -20) // 20 m inside 东关, 20 m from 南门
	d := r.Route(Item{Text: "解放西路与五一大道交叉口信号灯坏了，晚高峰很危险", Lat: pt.Lat, Lon: pt.Lon,
		Tag: Prediction{Label: "交通拥堵", Confidence: 0.7, Source: "model:tag:v1"}, HasTag: true})
	if !d.Triage {
		t.Fatalf("dispatched to %q, want triage; steps:\n%s", d.UnitID, strings.Join(d.Steps, "\n"))
	}
	if !strings.Contains(d.Reason, "within 50 m") || !strings.Contains(d.Reason, "南门派出所") {
		t.Errorf("reason = %q, want the 50 m margin of 南门派出所", d.Reason)
	}
	want := []string{"traffic", "ps-dongguan", "ps-nanmen"}
	if got := candidateIDs(d.Candidates); !slices.Equal(got, want) {
		t.Fatalf("candidates = %q, want %q", got, want)
	}
	// The model read 交通拥堵, whose rule also leads to the traffic detachment.
	wantSources := [][]string{{"rule:信号灯配时-支队", "model"}, {"area"}, {"area_margin"}}
	for i, c := range d.Candidates {
		if !slices.Equal(c.Sources, wantSources[i]) {
			t.Errorf("candidate %s sources = %q, want %q", c.UnitID, c.Sources, wantSources[i])
		}
		if len(c.Reasons) == 0 || c.Reasons[0] == "" {
			t.Errorf("candidate %s has no reason", c.UnitID)
		}
	}
	wantReasons := [][]string{
		{"rule:信号灯配时-支队 把“信号灯配时”派给本单位（rule:信号灯配时-支队 sends tag \"信号灯配时\" here）",
			"模型判断的“交通拥堵”（0.70）按规则“交通拥堵-支队”指向本单位（the model's tag \"交通拥堵\" (0.70) leads here by rule \"交通拥堵-支队\"）"},
		{"坐标在本单位辖区内，距边界 20 米，但没有“信号灯配时”的派单规则派往本单位" +
			"（the point lies inside this unit's area, 20 m from its boundary, but no rule for tag \"信号灯配时\" sends items to it）"},
		{"坐标在本单位辖区外 20 米，处于 50 米边界余量内，但没有“信号灯配时”的派单规则派往本单位" +
			"（the point lies 20 m outside this unit's area, within the 50 m margin, but no rule for tag \"信号灯配时\" sends items to it）"},
	}
	for i, c := range d.Candidates {
		if !slices.Equal(c.Reasons, wantReasons[i]) {
			t.Errorf("candidate %s reasons:\n got %q\nwant %q", c.UnitID, c.Reasons, wantReasons[i])
		}
	}
	step := "候选单位 东关派出所（ps-dongguan）得分 0.40（candidate, score 0.40）：" + wantReasons[1][0]
	if !slices.Contains(d.Steps, step) {
		t.Errorf("steps lack the candidate line %q:\n%s", step, strings.Join(d.Steps, "\n"))
	}
	if d.Tag != "信号灯配时" {
		t.Errorf("tag = %q, want the keyword rule's 信号灯配时", d.Tag)
	}
	if len(d.Places) != 1 || d.Places[0].Kind != place.Intersection {
		t.Errorf("places = %+v, want one intersection", d.Places)
	}
}

func TestRouteGCJ02Point(t *testing.T) {
	r := NewRouter(police(t))
	wgs := place.Point{Lat: 28.195, Lon: 112.975} // the middle of 东关's area
	gcj := place.WGS84ToGCJ02(wgs)                // about 550 m east, inside 南门's area
	noise := Prediction{Label: "噪声扰民", Confidence: 0.8, Source: "model:tag:v1"}
	tests := []struct {
		name   string
		system string
		want   string
	}{
		{"converted from gcj02", "gcj02", "ps-dongguan"},
		{"amap alias", "amap", "ps-dongguan"},
		{"read as wgs84 lands elsewhere", "", "ps-nanmen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := r.Route(Item{Text: "楼上深夜有人大声唱歌", Lat: gcj.Lat, Lon: gcj.Lon, CoordSystem: tc.system,
				Tag: noise, HasTag: true})
			if d.Triage || d.UnitID != tc.want {
				t.Fatalf("unit = %q (triage %v: %s), want %q; steps:\n%s", d.UnitID, d.Triage, d.Reason, tc.want,
					strings.Join(d.Steps, "\n"))
			}
			if d.Source != "area" {
				t.Errorf("source = %q, want area", d.Source)
			}
			if d.Point == nil || (tc.system == "gcj02" && place.Distance(*d.Point, wgs) > 0.05) {
				t.Errorf("point = %v, want %v", d.Point, wgs)
			}
		})
	}
	t.Run("system recorded", func(t *testing.T) {
		d := r.Route(Item{Text: "楼上吵", Lat: gcj.Lat, Lon: gcj.Lon, CoordSystem: "GCJ-02", Tag: noise, HasTag: true})
		if d.PointSystem != place.GCJ02 {
			t.Errorf("point system = %q, want gcj02", d.PointSystem)
		}
	})
}

func TestRouteCandidates(t *testing.T) {
	r := NewRouter(police(t))
	model := func(label string, conf float64) Prediction {
		return Prediction{Label: label, Confidence: conf, Source: "model:tag:v1"}
	}
	inNanmen := place.Point{Lat: 28.195, Lon: 112.985}
	tests := []struct {
		name       string
		item       Item
		wantUnit   string
		wantTriage string
		wantFirst  string // the best candidate
		wantSource string // "" skips the check
	}{
		{name: "place name places a station tag", wantUnit: "ps-nanmen", wantFirst: "ps-nanmen", wantSource: "place",
			item: Item{Text: "锦绣花园楼下每晚广场舞音响太吵", Tag: model("噪声扰民", 0.8), HasTag: true}},
		{name: "code and point disagree", wantTriage: "candidates disagree", wantFirst: "ps-dongguan",
			item: Item{Text: "楼下噪音", CodeUnit: "ps-dongguan", Lat: inNanmen.Lat, Lon: inNanmen.Lon,
				Tag: model("噪声扰民", 0.8), HasTag: true}},
		{name: "code and point agree", wantUnit: "ps-nanmen", wantFirst: "ps-nanmen",
			item: Item{Text: "楼下噪音", CodeUnit: "ps-nanmen", Lat: inNanmen.Lat, Lon: inNanmen.Lon,
				Tag: model("噪声扰民", 0.8), HasTag: true}},
		{name: "station area does not outvote a traffic rule", wantUnit: "traffic", wantFirst: "traffic",
			item: Item{Text: "路口拥堵", Lat: inNanmen.Lat, Lon: inNanmen.Lon, Tag: model("交通拥堵", 0.9), HasTag: true}},
		{name: "conduct ignores the place", wantUnit: "ducha", wantFirst: "ducha",
			item: Item{Text: "民警态度恶劣", Lat: inNanmen.Lat, Lon: inNanmen.Lon, Tag: model("民警执法态度", 0.9),
				HasTag: true}},
		{name: "model candidate when a keyword overrides", wantTriage: "", wantUnit: "traffic", wantFirst: "traffic",
			item: Item{Text: "这个路口绿灯太短了", Tag: model("噪声扰民", 0.9), CodeUnit: "ps-nanmen", HasTag: true}},
		{name: "place stands in for a brigade's code", wantUnit: "tb-qinghe", wantFirst: "tb-qinghe", wantSource: "place",
			item: Item{Text: "东关大街早高峰拥堵严重", Tag: model("交通拥堵", 0.9), HasTag: true}},
		{name: "praise is not placed by place", wantUnit: "centre", wantFirst: "centre",
			item: Item{Text: "感谢锦绣花园小区的民警", Tag: model("表扬", 0.9), HasTag: true}},
		{name: "invalid point is ignored", wantUnit: "traffic", wantFirst: "traffic",
			item: Item{Text: "路口拥堵", Lat: 95, Lon: 112, Tag: model("交通拥堵", 0.9), HasTag: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := r.Route(tc.item)
			steps := strings.Join(d.Steps, "\n")
			if tc.wantTriage != "" {
				if !d.Triage || !strings.Contains(d.Reason, tc.wantTriage) {
					t.Fatalf("want triage %q, got unit %q reason %q; steps:\n%s", tc.wantTriage, d.UnitID, d.Reason, steps)
				}
			} else if d.Triage || d.UnitID != tc.wantUnit {
				t.Fatalf("unit = %q (triage %v: %s), want %q; steps:\n%s", d.UnitID, d.Triage, d.Reason, tc.wantUnit, steps)
			}
			if len(d.Candidates) == 0 || d.Candidates[0].UnitID != tc.wantFirst {
				t.Errorf("candidates = %q, want %q first", candidateIDs(d.Candidates), tc.wantFirst)
			}
			if tc.wantSource != "" && d.Source != tc.wantSource {
				t.Errorf("source = %q, want %q", d.Source, tc.wantSource)
			}
			for _, c := range d.Candidates {
				for _, reason := range c.Reasons {
					if !chineseFirst(reason) {
						t.Errorf("candidate %s reason %q does not read 中文（English）", c.UnitID, reason)
					}
				}
			}
			for _, step := range d.Steps {
				if !chineseFirst(step) {
					t.Errorf("step %q does not read Chinese first", step)
				}
			}
		})
	}
}

// chineseFirst reports whether s reads "中文（English）": Chinese before the
// last full-width bracket, which closes the text.
func chineseFirst(s string) bool {
	open := strings.LastIndex(s, "（")
	if open < 0 || !strings.HasSuffix(s, "）") {
		return false
	}
	return strings.IndexFunc(s[:open], func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}
