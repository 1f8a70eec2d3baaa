package review

import (
	"regexp"
	"strings"
	"unicode"

	"minyi/place"
)

// Codes of the hints.
const (
	PlaceMissing    = "place_missing"    // the item names a place the reply never mentions
	ProblemMissing  = "problem_missing"  // the reply shares few words with the problem raised
	ActionMissing   = "action_missing"   // the reply does not state what was done
	DeadlineMissing = "deadline_missing" // the reply gives no date or time limit
	FormReply       = "form_reply"       // without greetings and thanks, little is left
)

// Hint is the outcome of one check. Fired means the reviewer should look.
type Hint struct {
	Code    string `json:"code"`
	Fired   bool   `json:"fired"`
	Message string `json:"message"` // for the reviewer, in Chinese
	Detail  string `json:"detail,omitempty"`
}

// Item is the citizen's item that the reply is to.
type Item struct {
	Title string
	Body  string
	Place string
}

// Check runs every check and returns one hint per check, in the order of the
// codes above.
func Check(it Item, reply string) []Hint {
	substance := substance(reply)
	return []Hint{
		checkPlace(it, reply),
		checkProblem(it, reply),
		checkAction(it, substance),
		checkDeadline(it, substance),
		checkForm(substance),
	}
}

// enquiry matches a title that requests information. The reply to an enquiry
// needs no action and no deadline.
var enquiry = regexp.MustCompile(`咨询|请问|询问|是否|能否|可否|吗[？?]?$|[？?]$`)

func isEnquiry(it Item) bool {
	return enquiry.MatchString(strings.TrimSpace(it.Title))
}

// Fired returns the codes of the hints that fired.
func Fired(hints []Hint) []string {
	var out []string
	for _, h := range hints {
		if h.Fired {
			out = append(out, h.Code)
		}
	}
	return out
}

// anonymised matches stand-ins such as A市 and A3区 in anonymised data.
var anonymised = regexp.MustCompile(`[A-Z][0-9]*[市区县]`)

// genericTails are left off a place name when looking for it in the reply,
// which often writes 丽发新城 for 丽发新城小区.
var genericTails = []string{"小区", "社区", "花园", "交叉口", "路口"}

func checkPlace(it Item, reply string) Hint {
	h := Hint{Code: PlaceMissing, Message: "答复未提及诉求中的地点"}
	// The title names where the problem is, while a body also names places on the way.
	mentions := place.Extract(anonymised.ReplaceAllString(it.Title+"\n"+it.Place, "，"))
	if len(mentions) == 0 {
		mentions = place.Extract(anonymised.ReplaceAllString(it.Body, "，"))
	}
	if len(mentions) == 0 {
		h.Message = "诉求未提及具体地点"
		return h
	}
	var names []string
	for _, m := range mentions {
		names = append(names, m.Name)
		names = append(names, m.Roads...)
		for _, tail := range genericTails {
			if s, ok := strings.CutSuffix(m.Name, tail); ok && len([]rune(s)) >= 2 {
				names = append(names, s)
			}
		}
	}
	if quoted := mentioned(reply, names); quoted != "" {
		h.Message, h.Detail = "答复提及了地点", quoted
		return h
	}
	h.Fired = true
	h.Detail = mentions[0].Name
	return h
}

// mentioned returns the first name that reply contains, else the first
// three characters in a row of a name that it contains, else "". Replies
// often drop the town before a village (油塘村 for 端桥铺镇油塘村).
func mentioned(reply string, names []string) string {
	for _, n := range names {
		if len([]rune(n)) >= 2 && strings.Contains(reply, n) {
			return n
		}
	}
	for _, n := range names {
		rs := []rune(n)
		for i := 0; i+3 <= len(rs); i++ {
			if w := string(rs[i : i+3]); strings.Contains(reply, w) {
				return w
			}
		}
	}
	return ""
}

// filler are words of a title that belong to how the citizen writes, not to
// the problem.
var filler = []string{"关于", "反映", "投诉", "举报", "咨询", "建议", "请求", "希望", "能否", "何时", "为什么",
	"问题", "情况", "请问", "严重", "领导", "政府", "相关", "部门", "解决", "处理", "一下", "什么", "怎么", "如何",
	"坚决", "反对", "支持", "要求", "呼吁", "强烈", "再次", "多次", "尽快", "依法"}

// functionRunes are characters that make a bigram span two words, as 点的
// in 居民点的几项; such bigrams are not problem words.
var functionRunes = "的了和与在是对把被及或等个一无有不这那其该为之所以于向从到给让使将已还也都就很太更最再又吗呢吧啊请几"

// problemTerms returns the bigrams of the title with place names and filler
// removed: the words the reply should take up.
func problemTerms(it Item) []string {
	title := anonymised.ReplaceAllString(it.Title, "，")
	for _, m := range place.Extract(title) {
		title = strings.ReplaceAll(title, m.Name, "，")
	}
	for _, f := range filler {
		title = strings.ReplaceAll(title, f, "，")
	}
	var terms []string
	var run []rune
	flush := func() {
		for i := 0; i+1 < len(run); i++ {
			t := string(run[i : i+2])
			if !strings.ContainsAny(t, functionRunes) && !contains(terms, t) {
				terms = append(terms, t)
			}
		}
		run = run[:0]
	}
	for _, r := range title {
		if unicode.Is(unicode.Han, r) {
			run = append(run, r)
			continue
		}
		flush()
	}
	flush()
	return terms
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// minProblemShare is the share of the title's problem words the reply must
// contain; a third leaves room for the reply's own wording.
const minProblemShare = 1.0 / 3

func checkProblem(it Item, reply string) Hint {
	h := Hint{Code: ProblemMissing, Message: "答复回应了诉求的问题"}
	terms := problemTerms(it)
	if len(terms) == 0 {
		return h
	}
	var missing []string
	found := 0
	for _, t := range terms {
		if strings.Contains(reply, t) {
			found++
		} else {
			missing = append(missing, t)
		}
	}
	if float64(found) < minProblemShare*float64(len(terms)) {
		h.Fired = true
		h.Message = "答复与诉求的问题关联不大，请核对是否答非所问"
		h.Detail = "未出现：" + strings.Join(missing[:min(6, len(missing))], "、")
	}
	return h
}

// actions are words that report something done, ordered or found out.
var actions = regexp.MustCompile(`已经?[\p{Han}]{0,8}(处理|处置|整改|拆除|清理|修复|维修|更换|安装|查处|处罚|罚款|立案|` +
	`责令|约谈|督促|协调|制止|取缔|关停|告知|退还|办理|落实|完成|解决|劝离|疏导|调解|核查|调查|开展|组织|安排|部署|` +
	`要求|申报|启动|派)|经(核实|调查|核查|查|了解|现场)|(责令|约谈|督促|立案|罚款|处罚|查处|取缔|关停|拆除|整改|整治|` +
	`清退|告诫|派员|巡查|检查|予以|依法|列入|纳入|正在|将于|计划)`)

func checkAction(it Item, substance string) Hint {
	h := Hint{Code: ActionMissing, Message: "答复说明了采取的措施"}
	if isEnquiry(it) {
		h.Message = "咨询类诉求，答复以解答为主，不要求措施"
		return h
	}
	// Passing the item on is not handling it.
	if m := actions.FindString(referral.ReplaceAllString(substance, "")); m != "" {
		h.Detail = m
		return h
	}
	h.Fired = true
	h.Message = "答复未说明已采取或将采取的措施"
	return h
}

// deadlines are dates, time limits and words that date an action.
var deadlines = regexp.MustCompile(`\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|[一二三四五六七八九十\d]+月(份|底|中旬|上旬|下旬)|` +
	`年底|年内|月底|本周|下周|本月|下月|近日|日前|当天|当日|次日|今年|明年|` +
	`[一二三四五六七八九十两\d]+个?(工作日|日|天|周|星期|月)内|(之前|以前)完成|限期`)

// signature is the date a reply is signed with, which dates the reply, not an action.
var signature = regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日[\s。]*$`)

func checkDeadline(it Item, substance string) Hint {
	h := Hint{Code: DeadlineMissing, Message: "答复写明了办理时间或期限"}
	if isEnquiry(it) {
		h.Message = "咨询类诉求，不要求办理期限"
		return h
	}
	body := signature.ReplaceAllString(substance, "")
	if m := deadlines.FindString(body); m != "" {
		h.Detail = m
		return h
	}
	h.Fired = true
	h.Message = "答复未写明办理时间或完成期限"
	return h
}

// boilerplate matches phrases that any reply could contain: greetings,
// acknowledgements, thanks, praise of the citizen's interest and the formula
// that introduces the reply's content.
var boilerplate = regexp.MustCompile(`(网友|来信人|尊敬的)?[“"「]?[\p{Han}\w]{0,12}[”"」]?[:：]?\s*(您|你)好[!！,，]?|` +
	`(您|你)?(的|所)?(反映|留言|来信|投诉|咨询)?(的问题|的情况)?(我[\p{Han}]{1,3})?已?(收悉|收到)[。，,！!]?|` +
	`(我[\p{Han}]{1,3})?(高度)?重视[。，,]?|现(将|就)[\p{Han}“”"]{0,30}(回复|答复|说明)如下[:：]?|` +
	`[^。！!]*(感谢|谢谢)[^。！!]*[。！!]?|[^。！!]*(欢迎|理解和支持|关心和支持)[^。！!]*[。！!]?|` +
	`特此(回复|答复)[。]?|以上是[^。]*回复[。，]?`)

// referral matches a reply that only passes the item on.
var referral = regexp.MustCompile(`已?转(交|办|给|至)[\p{Han}]{0,12}(部门|单位|局|办)`)

// substance returns reply without greetings, thanks and other form phrases.
func substance(reply string) string {
	return boilerplate.ReplaceAllString(reply, "")
}

// minSubstance is the fewest characters of substance a reply needs to be
// more than a form sentence: about two short sentences.
const minSubstance = 40

func checkForm(substance string) Hint {
	h := Hint{Code: FormReply, Message: "答复有具体内容"}
	rest := referral.ReplaceAllString(substance, "")
	n := 0
	for _, r := range rest {
		if unicode.Is(unicode.Han, r) || unicode.IsDigit(r) {
			n++
		}
	}
	if n < minSubstance {
		h.Fired = true
		h.Message = "答复除客套话和转办说明外内容很少，像是格式化答复"
		if referral.MatchString(substance) {
			h.Detail = "仅说明已转办"
		}
	}
	return h
}
