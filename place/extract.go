package place

import (
	"slices"
	"strings"
	"unicode"
)

// Kind is the kind of a place mention.
type Kind string

// The kinds of mention Extract finds.
const (
	Road         Kind = "road"         // 解放西路, 东关大街, 柳巷步行街
	Intersection Kind = "intersection" // 解放西路与五一大道交叉口
	Estate       Kind = "estate"       // 锦绣花园小区, 松林苑, 东关新村
	Shop         Kind = "shop"         // 一米阳光影楼, 万家超市
	Station      Kind = "station"      // 青川西站, 长途汽车站
	BusStop      Kind = "bus_stop"     // 人民医院公交站
	Landmark     Kind = "landmark"     // schools, hospitals, parks, markets
)

// Mention is one place named in a text. Start and End are rune offsets into
// the text; an intersection lists its roads in Roads.
type Mention struct {
	Kind  Kind     `json:"kind"`
	Name  string   `json:"name"`
	Roads []string `json:"roads,omitempty"`
	Start int      `json:"start"`
	End   int      `json:"end"`
}

// suffix is a word that ends a place name of a kind. minPrefix is how many
// characters must come before it for a name rather than a common word.
type suffix struct {
	word      string
	kind      Kind
	minPrefix int
}

// suffixes are tried longest first so that 汽车站 wins over 站.
var suffixes = sortSuffixes([]suffix{
	{"大道", Road, 2}, {"大街", Road, 2}, {"步行街", Road, 2}, {"路", Road, 2}, {"街", Road, 2},
	{"巷", Road, 2}, {"胡同", Road, 2}, {"高速", Road, 2}, {"国道", Road, 2}, {"大桥", Road, 2},
	{"小区", Estate, 2}, {"花园", Estate, 2}, {"家园", Estate, 2}, {"新村", Estate, 2}, {"山庄", Estate, 2},
	{"公寓", Estate, 2}, {"华庭", Estate, 1}, {"豪庭", Estate, 1}, {"华府", Estate, 1}, {"苑", Estate, 2},
	{"社区", Estate, 2}, {"村", Estate, 2}, {"大厦", Estate, 2}, {"新城", Estate, 2}, {"之城", Estate, 2},
	{"超市", Shop, 2}, {"商场", Shop, 2}, {"酒店", Shop, 2}, {"宾馆", Shop, 2}, {"饭店", Shop, 2},
	{"餐厅", Shop, 2}, {"网吧", Shop, 2}, {"药店", Shop, 2}, {"药房", Shop, 2}, {"影楼", Shop, 2},
	{"酒吧", Shop, 2}, {"便利店", Shop, 2}, {"专卖店", Shop, 2}, {"商店", Shop, 2},
	{"火车站", Station, 1}, {"高铁站", Station, 1}, {"汽车站", Station, 1}, {"客运站", Station, 1},
	{"地铁站", Station, 1}, {"东站", Station, 2}, {"西站", Station, 2}, {"南站", Station, 2}, {"北站", Station, 2},
	{"收费站", Station, 2}, {"公交站", BusStop, 2}, {"公交车站", BusStop, 2}, {"站台", BusStop, 2},
	{"医院", Landmark, 2}, {"中学", Landmark, 2}, {"小学", Landmark, 2}, {"大学", Landmark, 2},
	{"学校", Landmark, 2}, {"学院", Landmark, 2}, {"幼儿园", Landmark, 2}, {"公园", Landmark, 2}, {"体育场", Landmark, 2},
	{"菜市场", Landmark, 1}, {"市场", Landmark, 2}, {"夜市", Landmark, 2}, {"广场", Landmark, 2},
	{"码头", Landmark, 1},
})

func sortSuffixes(s []suffix) []suffix {
	slices.SortStableFunc(s, func(a, b suffix) int { return len([]rune(b.word)) - len([]rune(a.word)) })
	return s
}

// maxPrefix is the longest name before a suffix. Few Chinese place names are
// longer, and a longer window swallows the words before the name.
const maxPrefix = 6

// stopRunes end a name when met walking left from its suffix: function words,
// pronouns, measure words and administrative units.
var stopRunes = toSet("的在于与和及或是从到往向把被我你他她它们这那个条座家近旁边靠住对给由经沿过了着区市县省" +
	"就都也还很太又再才去来说想要请让使将为因所而但如若即该此其每各某有")

// roadEnds are the last characters of road names.
var roadEnds = toSet("路街巷")

// stopWords end a name when they occur inside the window before a suffix:
// verbs of reporting and words of position that often come right before a name.
var stopWords = []string{
	"反映", "投诉", "举报", "位于", "地处", "附近", "门口", "旁边", "对面", "路过", "经过", "行驶", "建议",
	"希望", "请问", "咨询", "市民", "居民", "现在", "目前", "最近", "今天", "昨天", "晚上", "早上", "每天",
	"一直", "已经", "关于", "发现", "看到", "位置", "地址", "门前", "一带", "周边", "出口", "入口", "所在",
	"街道", "不宜",
}

// notNames are words that end in a suffix but name no place.
var notNames = toWordSet("十字路", "丁字路", "交叉路", "三岔路", "小学生", "中学生", "大学生", "过马路")

// joiners link two roads of an intersection; corners may follow the second road.
var (
	joiners = []string{"与", "和", "跟", "、", "/", "及", "交"}
	corners = []string{"交叉路口", "交叉口", "交汇处", "十字路口", "丁字路口", "路口", "口"}
)

func toSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

func toWordSet(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Extract returns the place mentions in text in order of position. Where two
// candidates overlap, the longer wins, so 锦绣花园小区 is one estate, not a
// garden inside an estate. Two roads joined by 与, 和 or 、 and optionally
// followed by 交叉口 or 路口 become one intersection.
func Extract(text string) []Mention {
	rs := []rune(text)
	var found []Mention
	for _, sf := range suffixes {
		w := []rune(sf.word)
		for i := 0; i+len(w) <= len(rs); i++ {
			if !hasAt(rs, i, w) {
				continue
			}
			start := nameStart(rs, i, sf.kind != Road)
			if i-start < sf.minPrefix || endsWithRoadWord(rs[start:i]) {
				continue
			}
			name := string(rs[start : i+len(w)])
			if notNames[name] {
				continue
			}
			found = append(found, Mention{Kind: sf.kind, Name: name, Start: start, End: i + len(w)})
		}
	}
	return joinIntersections(rs, dropOverlaps(found))
}

func hasAt(rs []rune, i int, w []rune) bool {
	for k, r := range w {
		if rs[i+k] != r {
			return false
		}
	}
	return true
}

// nameStart walks left from the suffix at i over Han characters until a stop
// rune, the window limit or a stop word, and returns where the name starts.
// With afterRoad, a road's last character also stops the walk, so that the
// estate in 劳动东路魅力之城 is 魅力之城.
func nameStart(rs []rune, i int, afterRoad bool) int {
	start := i
	for start > 0 && i-start < maxPrefix {
		r := rs[start-1]
		if !unicode.Is(unicode.Han, r) || stopRunes[r] || (afterRoad && roadEnds[r]) {
			break
		}
		start--
	}
	window := string(rs[start:i])
	cut := 0
	for _, sw := range stopWords {
		if k := strings.LastIndex(window, sw); k >= 0 {
			if end := len([]rune(window[:k])) + len([]rune(sw)); end > cut {
				cut = end
			}
		}
	}
	return start + cut
}

// endsWithRoadWord rejects 大道路 in 五一大道路口: a road suffix directly after
// another road's name belongs to a word such as 路口.
func endsWithRoadWord(prefix []rune) bool {
	if len(prefix) == 0 {
		return false
	}
	switch prefix[len(prefix)-1] {
	case '路', '街', '道', '巷':
		return true
	}
	return false
}

func dropOverlaps(ms []Mention) []Mention {
	slices.SortStableFunc(ms, func(a, b Mention) int {
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		return a.Start - b.Start
	})
	var kept []Mention
	for _, m := range ms {
		overlaps := slices.ContainsFunc(kept, func(k Mention) bool { return m.Start < k.End && k.Start < m.End })
		if !overlaps {
			kept = append(kept, m)
		}
	}
	slices.SortFunc(kept, func(a, b Mention) int { return a.Start - b.Start })
	return kept
}

func joinIntersections(rs []rune, ms []Mention) []Mention {
	var out []Mention
	for i := 0; i < len(ms); i++ {
		m := ms[i]
		if m.Kind == Road && i+1 < len(ms) && ms[i+1].Kind == Road &&
			slices.Contains(joiners, string(rs[m.End:ms[i+1].Start])) {
			next := ms[i+1]
			end := next.End
			for _, c := range corners {
				if w := []rune(c); end+len(w) <= len(rs) && hasAt(rs, end, w) {
					end += len(w)
					break
				}
			}
			out = append(out, Mention{Kind: Intersection, Name: string(rs[m.Start:end]),
				Roads: []string{m.Name, next.Name}, Start: m.Start, End: end})
			i++
			// A corner word may have been read as the start of the next name.
			for i+1 < len(ms) && ms[i+1].Start < end {
				i++
			}
			continue
		}
		out = append(out, m)
	}
	return out
}
