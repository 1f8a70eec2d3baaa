package demo

import (
	"math/rand/v2"
	"strings"

	"minyi/profile"
)

// newRand returns the random source for a seed. The second PCG word is fixed
// so that a seed alone decides the sequence.
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6d696e7969))
}

// pick returns a uniformly chosen element of list.
func pick[T any](rng *rand.Rand, list []T) T {
	return list[rng.IntN(len(list))]
}

// chance reports true with probability p.
func chance(rng *rand.Rand, p float64) bool {
	return rng.Float64() < p
}

// weighted returns an index of weights chosen in proportion to its weight.
// It returns -1 when every weight is zero.
func weighted(rng *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return -1
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// scene is the setting of one generated text. A template's slots are filled
// from it, so every {place} of one text names the same place.
type scene struct {
	rng     *rand.Rand
	place   string
	unit    profile.Unit      // the unit the place or window belongs to; zero when none
	officer *profile.Officer  // the officer the text names; nil when none
	chosen  map[string]string // vocabulary values drawn so far, by slot
}

// fill replaces each {slot} of tmpl. An unknown slot stays as written, which
// the tests catch.
func (s *scene) fill(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		if v, ok := s.slot(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// slot returns the text for one slot name.
func (s *scene) slot(name string) (string, bool) {
	switch name {
	case "place":
		return s.place, true
	case "unit":
		if s.unit.Name == "" {
			return "你们单位", true
		}
		return s.unit.Name, true
	case "officer":
		return s.officerText(), true
	}
	if list, ok := vocabulary[name]; ok {
		// A slot keeps its first value, so a title and a body filled from
		// one scene name the same document, item or amount.
		if v, ok := s.chosen[name]; ok {
			return v, true
		}
		if s.chosen == nil {
			s.chosen = map[string]string{}
		}
		v := pick(s.rng, list)
		s.chosen[name] = v
		return v, true
	}
	return "", false
}

// officerText names the scene's officer the way citizens do: by badge number,
// by surname, or by name.
func (s *scene) officerText() string {
	o := s.officer
	if o == nil {
		return pick(s.rng, []string{"一位民警", "一名男民警", "一名女民警", "值班民警"})
	}
	surname := string([]rune(o.Name)[:1])
	switch s.rng.IntN(3) {
	case 0:
		return "警号" + o.Badge + "的民警"
	case 1:
		return surname + "警官"
	}
	return "民警" + o.Name
}

// vocabulary lists the values of the generic slots.
var vocabulary = map[string][]string{
	"time": {
		"早上七点多", "中午十二点左右", "下午四五点", "晚上八点多", "晚上十点多", "凌晨一两点",
		"昨天晚上", "今天上午", "前天下午", "上周五晚上",
	},
	"peak":  {"早高峰", "晚高峰", "上下班时间", "早上七点到九点", "下午五点以后", "周末", "节假日"},
	"night": {"晚上十点多", "晚上十一点以后", "半夜十二点", "凌晨一两点", "凌晨三点", "深夜"},
	"vehicle": {
		"私家车", "电动车", "大货车", "渣土车", "出租车", "网约车", "三轮车", "面包车", "快递车", "摩托车",
	},
	"duration": {
		"好几天", "一个多星期", "半个月", "一个多月", "两三个月", "大半年",
	},
	"wait": {"四十分钟", "半个多小时", "一个多小时", "两个多小时"},
	"feeling": {
		"非常着急", "很无奈", "很气愤", "实在受不了了", "心里很不踏实", "特别担心", "又急又气", "很失望",
	},
	"amount": {
		"八百元", "一千二百元", "三千多元", "五千元", "八千多元", "一万两千元", "两万元", "五万多元",
	},
	"item": {
		"电动车", "手机", "钱包", "自行车", "电瓶", "笔记本电脑", "快递包裹", "摩托车",
	},
	"person": {
		"父亲", "母亲", "爷爷", "奶奶", "八岁的儿子", "十二岁的女儿", "有智力障碍的弟弟", "患阿尔茨海默症的外婆",
	},
	"clothes": {
		"穿蓝色外套", "穿灰色夹克", "穿红色校服", "戴黑色帽子", "穿白色运动鞋", "背黄色书包",
	},
	"scam": {
		"刷单返利", "冒充客服退款", "网络贷款", "投资理财", "游戏装备交易", "冒充公检法", "冒充熟人借钱", "杀猪盘交友",
	},
	"doc": {
		"户口迁移", "新生儿落户", "分户", "户口本补办", "户籍证明", "居住证", "投靠落户", "姓名变更",
	},
	"travel": {
		"护照", "港澳通行证", "往来台湾通行证", "护照加急", "签注", "出入境记录查询",
	},
	"days": {"三天", "五天", "一周", "十天", "半个月", "一个月"},
	"facility": {
		"路灯", "井盖", "路面", "下水道", "人行道砖", "公交站牌", "护栏", "窨井",
	},
	"company": {
		"一家装修公司", "一个建筑工地", "一家餐馆", "一家物流公司", "一家快递网点", "一家服装厂",
	},
	"shop": {
		"一家健身房", "一家美容店", "一家培训机构", "一家手机店", "一家家具城", "网上的一家店铺",
	},
}
