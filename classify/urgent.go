package classify

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// urgentCue is a phrase that describes danger to life or a crime in progress.
type urgentCue struct {
	phrase   string
	category string   // shown to staff, in Chinese
	notThen  []string // continuations that make the phrase harmless, as in 救命钱
}

// urgentCues lists the phrases Urgent looks for, grouped by category.
var urgentCues = buildCues(map[string][]string{
	"呼救":   {"救命", "救救", "快来人", "呼救", "快报警"},
	"暴力":   {"打人", "打架", "围殴", "殴打", "砸门", "砸车", "打我", "被人打", "拖上", "拉进车", "撞人", "家暴", "要杀", "杀了我", "杀我", "同归于尽"},
	"持械":   {"持刀", "拿刀", "拿着刀", "菜刀", "砍人", "捅人", "捅了", "刀抵", "持枪", "开枪", "枪响", "钢管", "砖头"},
	"火情":   {"着火", "起火", "失火", "火灾", "明火", "浓烟", "烧起来", "火势", "冒火"},
	"爆炸":   {"爆炸", "引爆"},
	"抢劫盗窃": {"抢劫", "抢走", "抢了", "抢我", "劫持", "小偷正在", "翻墙进", "撬"},
	"绑架拐骗": {"绑架", "拐走", "锁在车里", "不让下车", "跟着我"},
	"自伤":   {"跳楼", "跳河", "轻生", "自杀", "割腕", "不想活"},
	"溺水被困": {"落水", "掉进水", "溺水", "被困", "困人", "压着人", "卡在车里", "出不去", "水越来越深", "往下掉", "快掉下来"},
	"泄漏":   {"煤气泄漏", "燃气泄漏", "漏气"},
	"伤病急症": {"晕倒", "昏迷", "没有呼吸", "喘不上气", "流血", "很多血", "是血", "出血", "一动不动", "叫不醒", "倒在地上", "被车撞"},
}, map[string][]string{
	"救命": {"钱", "药", "稻草", "之恩", "恩"},
	"撬":  {"棍"},
})

func buildCues(groups map[string][]string, harmless map[string][]string) []urgentCue {
	var cues []urgentCue
	for category, phrases := range groups {
		for _, p := range phrases {
			cues = append(cues, urgentCue{phrase: p, category: category, notThen: harmless[p]})
		}
	}
	// Longer phrases first, so that the reason names the most specific one;
	// ties by text, so that the order does not depend on map iteration.
	sortCues(cues)
	return cues
}

// Markers that change what a cue means. Negations apply to the few
// characters before the cue, hypothetical markers to its clause, and past or
// resolved markers to the whole text. A present marker in the cue's clause
// overrides the hypothetical and past ones.
var (
	urgentNegations    = []string{"没有", "没", "不是", "并非", "未", "以防", "防止", "预防", "避免", "差点", "差一点", "险些", "不会"}
	urgentHypothetical = []string{"如果", "万一", "假如", "要是", "怎么办", "应该", "演练", "宣传", "培训", "讲座", "知识", "咨询", "请问",
		"判几年", "报警器", "电视剧", "电影", "游戏", "镜头", "小说", "担心", "建议", "新闻"}
	urgentPast = []string{"上次", "上周", "上个月", "去年", "昨天", "前天", "之前", "以前", "曾经", "那次", "当时",
		"已经处理", "处理好", "已处理", "已解决", "已经解决", "扑灭", "已经过去", "和解", "调解", "找回", "没有人受伤", "出院", "散了", "赔偿"}
	urgentPresent = []string{"正在", "现在", "还在", "刚刚", "刚才", "马上", "快来", "快派", "快点", "赶紧", "此刻", "又来"}
)

// negationWindow is how many characters before a cue a negation may start.
const negationWindow = 4

// Urgent reports whether text describes danger to life or a crime in progress,
// and if so the category and phrase that decided it, such as "火情：着火".
// It is a rule list tuned for recall, so a cue phrase counts unless one of
// three things holds. A negation stands just before it ("没有着火"). Its
// clause is hypothetical or informational ("如果着火了怎么办"). Or the text
// speaks of the past or of a resolved event ("上次着火的事已经处理好了") and the
// cue's clause has no sign of the present ("现在", "正在", "还在").
// NOTE: the rules were written against classify/testdata/urgent.jsonl, which
// was written by the same hand; expect lower recall on real messages.
func Urgent(text string) (bool, string) {
	s := Normalize(text)
	past := containsAny(s, urgentPast)
	for _, clause := range splitClauses(s) {
		present := hasPresent(clause)
		hypothetical := containsAny(clause, urgentHypothetical)
		if !present && (hypothetical || past) {
			continue
		}
		for _, cue := range urgentCues {
			if cueApplies(clause, cue) {
				return true, cue.category + "：" + cue.phrase
			}
		}
	}
	return false, ""
}

// cueApplies reports whether some occurrence of cue in clause is neither
// negated nor followed by a harmless continuation.
func cueApplies(clause string, cue urgentCue) bool {
	for from := 0; ; {
		i := strings.Index(clause[from:], cue.phrase)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(cue.phrase)
		from = end
		if hasPrefixAny(clause[end:], cue.notThen) {
			continue
		}
		if containsAny(lastRunes(clause[:start], negationWindow), urgentNegations) {
			continue
		}
		return true
	}
}

// hasPresent reports whether clause has a present marker. "到现在" (up to
// now) speaks of a past event and does not count.
func hasPresent(clause string) bool {
	return containsAny(strings.ReplaceAll(clause, "到现在", ""), urgentPresent)
}

// splitClauses splits text at sentence and clause punctuation.
func splitClauses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("。！？!?；;，,、\n", r)
	})
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func hasPrefixAny(s string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// lastRunes returns the last n characters of s.
func lastRunes(s string, n int) string {
	for i := len(s); i > 0; {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		n--
		if n == 0 {
			return s[i:]
		}
	}
	return s
}

func sortCues(cues []urgentCue) {
	sort.Slice(cues, func(i, j int) bool {
		a, b := utf8.RuneCountInString(cues[i].phrase), utf8.RuneCountInString(cues[j].phrase)
		if a != b {
			return a > b
		}
		return cues[i].phrase < cues[j].phrase
	})
}
