package place

import (
	"math"
	"slices"
	"testing"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // kind:name
	}{
		{"intersection with corner", "解放西路与五一大道交叉口信号灯坏了，晚高峰很危险",
			[]string{"intersection:解放西路与五一大道交叉口"}},
		{"intersection with 路口", "五一大道和芙蓉路路口经常堵车", []string{"intersection:五一大道和芙蓉路路口"}},
		{"road after a verb", "我要反映东关大街晚上有人飙车", []string{"road:东关大街"}},
		{"estate with tail", "我住在锦绣花园小区，楼上很吵", []string{"estate:锦绣花园小区"}},
		{"estate 苑", "家住松林苑，门口停满了车", []string{"estate:松林苑"}},
		{"station", "长途汽车站门口有人拉客", []string{"station:长途汽车站"}},
		{"bus stop", "人民医院公交站有小偷", []string{"bus_stop:人民医院公交站"}},
		{"shop and road", "位于联丰路的一米阳光影楼", []string{"road:联丰路", "shop:一米阳光影楼"}},
		{"common words are no places", "过马路要小心，这条路很宽，十字路口没有灯", nil},
		{"district prefix stops", "A3区联丰路米兰春天", []string{"road:联丰路"}},
		{"walking street", "柳巷步行街人太多", []string{"road:柳巷步行街"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range Extract(tc.text) {
				got = append(got, string(m.Kind)+":"+m.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Extract(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestExtractIntersectionRoads(t *testing.T) {
	ms := Extract("解放西路与五一大道交叉口")
	if len(ms) != 1 {
		t.Fatalf("got %d mentions, want 1: %+v", len(ms), ms)
	}
	if want := []string{"解放西路", "五一大道"}; !slices.Equal(ms[0].Roads, want) {
		t.Errorf("roads = %q, want %q", ms[0].Roads, want)
	}
	if ms[0].Start != 0 || ms[0].End != 12 {
		t.Errorf("span = [%d, %d), want [0, 12)", ms[0].Start, ms[0].End)
	}
}

func TestGazetteer(t *testing.T) {
	g := NewGazetteer([]Entry{{"ps-nanmen", "锦绣花园小区"}, {"tb-qinghe", "东关大街"}, {"ps-dongguan", "东关大街"},
		{"x", "路"}})
	tests := []struct {
		name, text string
		want       []string
	}{
		{"literal name", "东关大街有人飙车", []string{"tb-qinghe", "ps-dongguan"}},
		{"mention without tail", "锦绣花园楼下很吵", []string{"ps-nanmen"}},
		{"no match", "滨江大道拥堵", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range g.Match(tc.text, Extract(tc.text)) {
				got = append(got, m.UnitID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("units = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCoordinates(t *testing.T) {
	// A point in central Changsha; GCJ-02 moves it by a few hundred metres.
	wgs := Point{Lat: 28.1960, Lon: 112.9720}
	gcj := WGS84ToGCJ02(wgs)
	bd := GCJ02ToBD09(gcj)
	t.Run("gcj02 offset is hundreds of metres", func(t *testing.T) {
		if d := Distance(wgs, gcj); d < 100 || d > 1000 {
			t.Errorf("offset = %.0f m, want 100–1000 m", d)
		}
	})
	t.Run("bd09 differs from gcj02", func(t *testing.T) {
		if d := Distance(gcj, bd); d < 100 || d > 2000 {
			t.Errorf("offset = %.0f m, want 100–2000 m", d)
		}
	})
	for _, tc := range []struct {
		name string
		in   Point
		sys  System
	}{{"gcj02 back to wgs84", gcj, GCJ02}, {"bd09 back to wgs84", bd, BD09}, {"wgs84 unchanged", wgs, WGS84}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ToWGS84(tc.in, tc.sys)
			if err != nil {
				t.Fatal(err)
			}
			if d := Distance(got, wgs); d > 0.05 {
				t.Errorf("round trip is %.3f m off", d)
			}
		})
	}
	t.Run("outside China unchanged", func(t *testing.T) {
		paris := Point{Lat: 48.8566, Lon: 2.3522}
		got, _ := ToWGS84(paris, GCJ02)
		if got != paris {
			t.Errorf("got %v, want %v", got, paris)
		}
	})
	t.Run("invalid point", func(t *testing.T) {
		if _, err := ToWGS84(Point{Lat: 91, Lon: 0}, WGS84); err == nil {
			t.Error("latitude 91 accepted")
		}
		if _, err := ToWGS84(wgs, "osgb36"); err == nil {
			t.Error("unknown system accepted")
		}
	})
}

func TestParseSystem(t *testing.T) {
	for in, want := range map[string]System{"": WGS84, "WGS-84": WGS84, "gcj-02": GCJ02, "amap": GCJ02, "BD09": BD09} {
		if got, err := ParseSystem(in); err != nil || got != want {
			t.Errorf("ParseSystem(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseSystem("utm"); err == nil {
		t.Error("ParseSystem(utm) accepted")
	}
}

func TestPolygon(t *testing.T) {
	square := [][][]float64{{{112.97, 28.19}, {112.98, 28.19}, {112.98, 28.20}, {112.97, 28.20}, {112.97, 28.19}}}
	pg, err := NewPolygon(square)
	if err != nil {
		t.Fatal(err)
	}
	centre := Point{Lat: 28.195, Lon: 112.975}
	west := Point{Lat: 28.195, Lon: 112.97}
	t.Run("contains centre", func(t *testing.T) {
		if !pg.Contains(centre) {
			t.Error("centre not inside")
		}
	})
	t.Run("20 m inside the west edge", func(t *testing.T) {
		p := Offset(west, 0, 20)
		if !pg.Contains(p) {
			t.Error("point not inside")
		}
		if d := pg.DistanceToBoundary(p); math.Abs(d-20) > 0.5 {
			t.Errorf("distance = %.2f m, want 20", d)
		}
	})
	t.Run("outside", func(t *testing.T) {
		if pg.Contains(Offset(west, 0, -20)) {
			t.Error("point west of the edge inside")
		}
	})
	t.Run("hole", func(t *testing.T) {
		withHole := append(square, [][]float64{{112.974, 28.194}, {112.976, 28.194}, {112.976, 28.196},
			{112.974, 28.196}, {112.974, 28.194}})
		h, err := NewPolygon(withHole)
		if err != nil {
			t.Fatal(err)
		}
		if h.Contains(centre) {
			t.Error("point in the hole counted inside")
		}
	})
	for _, bad := range []struct {
		name   string
		coords [][][]float64
	}{
		{"no rings", nil},
		{"open ring", [][][]float64{{{1, 1}, {2, 1}, {2, 2}, {1, 2}}}},
		{"three positions", [][][]float64{{{1, 1}, {2, 1}, {1, 1}}}},
		{"out of range", [][][]float64{{{1, 1}, {200, 1}, {2, 2}, {1, 1}}}},
		{"three numbers", [][][]float64{{{1, 1, 0}, {2, 1}, {2, 2}, {1, 1}}}},
	} {
		t.Run("invalid "+bad.name, func(t *testing.T) {
			if _, err := NewPolygon(bad.coords); err == nil {
				t.Error("accepted")
			}
		})
	}
}
