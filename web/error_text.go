package web

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"minyi/ticket"
)

// causeChinese returns the Chinese for the cause of a 4xx error, so that a
// page can show it before the English text, or "" when no Chinese is known.
// Errors that web detects itself carry their Chinese (inputError), a rejected
// transition names its action and state, and the causes that the ticket and
// workflow packages write are looked up in knownCauses. A cause that is not
// listed but already is Chinese, such as a photo check's message wrapped in
// English context, is returned as it is (chineseCause).
func causeChinese(err error) string {
	if ie, ok := errors.AsType[*inputError](err); ok {
		return ie.zh
	}
	if te, ok := errors.AsType[*ticket.TransitionError](err); ok {
		return fmt.Sprintf("工单处于“%s”状态，不能执行“%s”。", stateText("zh", te.State), actionNameZh(te.Action))
	}
	text := err.Error()
	for _, c := range knownCauses {
		if zh, ok := c.match(text); ok {
			return zh
		}
	}
	return chineseCause(text)
}

// chineseCause returns the last ": "-separated part of an error text when it
// starts with a Han character, else "". Wrapping puts the cause last, after
// English context such as `invalid input: file "a.gif": `.
func chineseCause(text string) string {
	at := strings.LastIndex(text, ": ")
	last := text
	if at >= 0 {
		last = text[at+2:]
	}
	first, _ := utf8.DecodeRuneInString(last)
	if !unicode.Is(unicode.Han, first) {
		return ""
	}
	return last
}

// actionNameZh returns the Chinese name of an action, or the action itself
// when the console has no text for it.
func actionNameZh(a ticket.Action) string {
	if v, ok := consoleTexts["action."+string(a)]; ok {
		return v[0]
	}
	return string(a)
}

// knownCause is the Chinese for one invalid-input cause of the ticket,
// workflow or web packages.
type knownCause struct {
	// format is the format string of the fmt.Errorf call after its leading
	// "%w: ". It may use the verbs %s, %v, %d and %q.
	format string
	// zh is the Chinese text. {1}, {2}, … stand for the format's arguments
	// in order, and {N:state} for an argument that is a ticket state.
	zh string
	// zhEmpty, when set, replaces zh when an argument is empty, such as
	// the unit of a dispatch form sent without a choice.
	zhEmpty string
	re      *regexp.Regexp
}

// knownCauses lists the causes that staff meet on console forms.
// TestKnownCausesMatchSource checks that each format still occurs in an
// fmt.Errorf call of those packages, so a reworded message fails the test
// rather than silently falling back to English only.
var knownCauses = compileCauses([]knownCause{
	// ticket: the input of a transition
	{format: "a return needs a reason", zh: "退单需要填写理由。"},
	{format: "a reply needs its text", zh: "答复需要填写内容。"},
	{format: "a rejected reply needs a comment", zh: "审核不通过需要填写意见。"},
	{format: "the period for reopening this ticket has passed", zh: "这张工单已超过可以重办的期限。"},
	{format: "merge needs another ticket to merge into", zh: "合并需要填写要并入的工单编号。"},
	{format: "marking a ticket invalid needs a reason", zh: "标为无效需要填写理由。"},
	{format: "a transfer out needs a destination and a reason", zh: "转外部门需要填写转往的部门和理由。"},
	{format: "added information is empty", zh: "补充内容为空。"},
	{format: "a supervision deadline must lie in the future", zh: "督办时限必须晚于现在。"},
	{format: "a supervision deadline must lie within a year", zh: "督办时限必须在一年以内，请检查年份。"},
	{format: "an extension request needs a reason", zh: "申请延期需要填写理由。"},
	{format: "an extension is already %s", zh: "这张工单已经申请过延期，不能再次申请。"},
	{format: "no extension was requested", zh: "这张工单没有待审批的延期申请。"},
	{format: "the new reply deadline must be later than the current one", zh: "新的答复时限必须晚于当前的答复时限。"},
	{format: "the new reply deadline must lie within a year", zh: "新的答复时限必须在一年以内，请检查年份。"},
	{format: "a note is empty", zh: "备注内容为空。"},
	{format: "an invitation needs the unit to invite", zh: "邀请协办需要选择协办单位。"},
	{format: "unit %s already sees the tickets of unit %s", zh: "单位 {1} 已能查看单位 {2} 的工单，无需邀请协办。"},
	{format: "dispatch needs a unit", zh: "派单需要选择承办单位。"},
	{format: "unknown call-back outcome %q", zh: "回访结果“{1}”无效。"},
	{format: "this citizen was already called back", zh: "这位群众已经回访过了。"},

	// workflow: checks against the profile and other tickets
	{format: "unit %q not found", zh: "单位“{1}”不存在。", zhEmpty: "请选择单位。"},
	{format: "tag %q is not in the profile's tag tree", zh: "标签“{1}”不在标签体系中。"},
	{format: "kind %q is not one of %s", zh: "类型“{1}”无效，可选的类型：{2}。"},
	{format: "ticket %d names an officer, so changing its kind from %q to %q would change " +
		"whether the discipline unit handles it as a conduct complaint",
		zh: "工单 {1} 涉及民警，把类型从“{2}”改为“{3}”会改变它是否作为民警投诉交督察部门办理，因此不能这样更改。"},
	{format: "a complaint about an officer's conduct cannot be co-handled", zh: "针对民警的投诉不能邀请协办。"},
	{format: "ticket %d is not urgent", zh: "工单 {1} 不是紧急工单。"},
	{format: "a ticket cannot be merged into itself", zh: "工单不能并入它自己。"},
	{format: "merge target %d not found", zh: "要并入的工单 {1} 不存在。"},
	{format: "merge target %d is already %s", zh: "要并入的工单 {1} 已是“{2:state}”状态，不能再并入。"},
	{format: "ticket %d has no open suggestion that it duplicates ticket %d", zh: "工单 {1} 没有待处理的与工单 {2} 重复的提示，可能已被合并或标为不是重复。"},
	{format: "ticket %d was merged into %d, whose reply is not approved yet",
		zh: "工单 {1} 已并入工单 {2}，该工单的答复尚未审核通过，暂不能回访。"},
	{format: "only a reply carries attachments", zh: "只有答复可以带附件。"},
	{format: "text contains a NUL character or invalid UTF-8", zh: "填写的文字含有无法识别的字符。"},
	{format: "a reply carries at most %d files, got %d", zh: "答复最多带 {1} 个附件，这次有 {2} 个。"},
	{format: "file %d has type %q, not JPEG, PNG or PDF", zh: "第 {1} 个附件的类型是 {2}，只接受 JPEG、PNG 照片或 PDF。"},
	{format: "file %d has %d bytes, not 1 to %d", zh: "第 {1} 个附件有 {2} 字节，应为 1 至 {3} 字节。"},
	{format: "your own phone number is missing or invalid", zh: "请填写您本人正确的电话号码。"},
	{format: "a message needs 1 to %d characters", zh: "短信内容须为 1 至 {1} 个字。"},
	{format: "contact channel %q is neither call nor message", zh: "联系方式“{1}”无效，只能回拨或发短信。"},
	{format: "the transcript is empty or not valid UTF-8", zh: "转写内容为空或含有无法识别的字符。"},
	{format: "the transcript has %d characters, the limit is %d", zh: "转写内容有 {1} 个字，上限是 {2} 个。"},
	{format: "ticket %d does not need transcription", zh: "工单 {1} 不需要转写。"},
	{format: "the search text has %d characters, the limit is %d", zh: "搜索内容过长：有 {1} 个字，最多 {2} 个字。"},

	// web: console form fields
	{format: "ticket number %q is not a positive number",
		zh: "工单编号“{1}”无效，请填写工单的数字编号，例如 401 或 #401。"},
	{format: "time %q is not YYYY-MM-DD hh:mm", zh: "时间“{1}”格式有误，应为“年-月-日 时:分”，例如 2026-12-05 18:00。"},
	{format: "choose a call-back outcome", zh: "请选择回访结果。"},

	// web: requests that could not be read
	{format: "unreadable form: %v", zh: "表单无法读取，请刷新页面后重试。"},
	{format: "unreadable multipart form: %v", zh: "上传的表单无法读取，请刷新页面后重试。"},
	{format: "the upload exceeds %d MB in total", zh: "上传的文件合计超过 {1} MB。"},
	{format: "the request contains a NUL character", zh: "请求中含有无法识别的字符。"},
})

// verbPatterns are the regular expressions that the verbs of a known cause's format match.
var verbPatterns = map[byte]string{
	's': `(.+?)`,
	'v': `(.+?)`,
	'd': `(-?[0-9]+)`,
	'q': `("(?:[^"\\]|\\.)*")`,
}

// compileCauses builds each cause's regular expression from its format. The
// cause must end the error text and follow ": " or begin it, because callers
// wrap the sentinel error with prefixes such as "ticket 42: ".
func compileCauses(causes []knownCause) []knownCause {
	for i, c := range causes {
		var b strings.Builder
		b.WriteString(`(?:^|: )`)
		rest := c.format
		for {
			at := strings.IndexByte(rest, '%')
			if at < 0 || at == len(rest)-1 {
				b.WriteString(regexp.QuoteMeta(rest))
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:at]))
			pattern, ok := verbPatterns[rest[at+1]]
			if !ok {
				panic(fmt.Sprintf("web: known cause %q uses an unsupported verb %%%c", c.format, rest[at+1]))
			}
			b.WriteString(pattern)
			rest = rest[at+2:]
		}
		b.WriteString(`$`)
		causes[i].re = regexp.MustCompile(b.String())
	}
	return causes
}

// placeholder matches {N} and {N:state} in a known cause's Chinese text.
var placeholder = regexp.MustCompile(`\{([0-9])(:state)?\}`)

// match returns the Chinese for text when text ends with this cause.
func (c knownCause) match(text string) (string, bool) {
	m := c.re.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	args := m[1:]
	for i, arg := range args {
		if unquoted, err := strconv.Unquote(arg); err == nil && strings.HasPrefix(arg, `"`) {
			args[i] = unquoted
		}
		if args[i] == "" && c.zhEmpty != "" {
			return c.zhEmpty, true
		}
	}
	zh := placeholder.ReplaceAllStringFunc(c.zh, func(p string) string {
		parts := placeholder.FindStringSubmatch(p)
		n, _ := strconv.Atoi(parts[1])
		if n < 1 || n > len(args) {
			return p
		}
		arg := args[n-1]
		if parts[2] != "" {
			arg = stateText("zh", ticket.State(arg))
		}
		return arg
	})
	return zh, true
}
