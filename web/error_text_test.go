package web

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"minyi/ticket"
	"minyi/workflow"
)

// errorfFormats returns the formats of the fmt.Errorf calls in the non-test
// Go files of dirs that begin with "%w: ", without that prefix.
func errorfFormats(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Errorf" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "fmt" {
					return true
				}
				if format, ok := stringConstant(call.Args[0]); ok && strings.HasPrefix(format, "%w: ") {
					out[strings.TrimPrefix(format, "%w: ")] = true
				}
				return true
			})
		}
	}
	return out
}

// stringConstant returns the value of a string literal or of literals joined by +.
func stringConstant(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := stringConstant(e.X)
		if !ok {
			return "", false
		}
		y, ok := stringConstant(e.Y)
		return x + y, ok
	}
	return "", false
}

func TestKnownCausesMatchSource(t *testing.T) {
	formats := errorfFormats(t, "../ticket", "../workflow", ".")
	if len(formats) < 20 {
		t.Fatalf("found %d error formats; the source scan is broken", len(formats))
	}
	for _, c := range knownCauses {
		if !formats[c.format] {
			t.Errorf("known cause %q is in no fmt.Errorf call of ticket, workflow or web: update knownCauses", c.format)
		}
	}
}

func TestCauseChineseKnownCauses(t *testing.T) {
	inv, bad := ticket.ErrInvalidInput, errBadRequest
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: a return needs a reason", inv), "退单需要填写理由。"},
		{fmt.Errorf("%w: a reply needs its text", inv), "答复需要填写内容。"},
		{fmt.Errorf("%w: a rejected reply needs a comment", inv), "审核不通过需要填写意见。"},
		{fmt.Errorf("%w: the period for reopening this ticket has passed", inv), "这张工单已超过可以重办的期限。"},
		{fmt.Errorf("%w: merge needs another ticket to merge into", inv), "合并需要填写要并入的工单编号。"},
		{fmt.Errorf("%w: marking a ticket invalid needs a reason", inv), "标为无效需要填写理由。"},
		{fmt.Errorf("%w: a transfer out needs a destination and a reason", inv), "转外部门需要填写转往的部门和理由。"},
		{fmt.Errorf("%w: added information is empty", inv), "补充内容为空。"},
		{fmt.Errorf("%w: a supervision deadline must lie in the future", inv), "督办时限必须晚于现在。"},
		{fmt.Errorf("%w: a supervision deadline must lie within a year", inv), "督办时限必须在一年以内，请检查年份。"},
		{fmt.Errorf("%w: an extension request needs a reason", inv), "申请延期需要填写理由。"},
		{fmt.Errorf("%w: an extension is already %s", inv, "granted"), "这张工单已经申请过延期，不能再次申请。"},
		{fmt.Errorf("%w: no extension was requested", inv), "这张工单没有待审批的延期申请。"},
		{fmt.Errorf("%w: the new reply deadline must be later than the current one", inv),
			"新的答复时限必须晚于当前的答复时限。"},
		{fmt.Errorf("%w: the new reply deadline must lie within a year", inv), "新的答复时限必须在一年以内，请检查年份。"},
		{fmt.Errorf("%w: a note is empty", inv), "备注内容为空。"},
		{fmt.Errorf("%w: an invitation needs the unit to invite", inv), "邀请协办需要选择协办单位。"},
		{fmt.Errorf("%w: unit %s already sees the tickets of unit %s", inv, "br-qinghe", "ps-dongguan"),
			"单位 br-qinghe 已能查看单位 ps-dongguan 的工单，无需邀请协办。"},
		{fmt.Errorf("%w: dispatch needs a unit", inv), "派单需要选择承办单位。"},
		{fmt.Errorf("%w: unknown call-back outcome %q", inv, "maybe"), "回访结果“maybe”无效。"},
		{fmt.Errorf("%w: this citizen was already called back", inv), "这位群众已经回访过了。"},
		{fmt.Errorf("%w: unit %q not found", inv, "ps-nowhere"), "单位“ps-nowhere”不存在。"},
		{fmt.Errorf("%w: unit %q not found", inv, ""), "请选择单位。"},
		{fmt.Errorf("%w: tag %q is not in the profile's tag tree", inv, "外星人"), "标签“外星人”不在标签体系中。"},
		{fmt.Errorf("%w: kind %q is not one of %s", inv, "闲聊", "投诉, 建议"), "类型“闲聊”无效，可选的类型：投诉, 建议。"},
		{fmt.Errorf("%w: ticket %d names an officer, so changing its kind from %q to %q would change "+
			"whether the discipline unit handles it as a conduct complaint", inv, 12, "投诉", "咨询"),
			"工单 12 涉及民警，把类型从“投诉”改为“咨询”会改变它是否作为民警投诉交督察部门办理，因此不能这样更改。"},
		{fmt.Errorf("%w: a complaint about an officer's conduct cannot be co-handled", inv), "针对民警的投诉不能邀请协办。"},
		{fmt.Errorf("%w: ticket %d is not urgent", inv, 42), "工单 42 不是紧急工单。"},
		{fmt.Errorf("%w: a ticket cannot be merged into itself", inv), "工单不能并入它自己。"},
		{fmt.Errorf("%w: merge target %d not found", inv, 7), "要并入的工单 7 不存在。"},
		{fmt.Errorf("%w: merge target %d is already %s", inv, 7, ticket.Closed), "要并入的工单 7 已是“已结案”状态，不能再并入。"},
		{fmt.Errorf("%w: ticket %d has no open suggestion that it duplicates ticket %d", inv, 8, 7),
			"工单 8 没有待处理的与工单 7 重复的提示，可能已被合并或标为不是重复。"},
		{fmt.Errorf("%w: ticket %d was merged into %d, whose reply is not approved yet", inv, 8, 7),
			"工单 8 已并入工单 7，该工单的答复尚未审核通过，暂不能回访。"},
		{fmt.Errorf("%w: only a reply carries attachments", inv), "只有答复可以带附件。"},
		{fmt.Errorf("%w: text contains a NUL character or invalid UTF-8", inv), "填写的文字含有无法识别的字符。"},
		{fmt.Errorf("%w: a reply carries at most %d files, got %d", inv, 5, 6), "答复最多带 5 个附件，这次有 6 个。"},
		{fmt.Errorf("%w: file %d has type %q, not JPEG, PNG or PDF", inv, 2, "text/plain"),
			"第 2 个附件的类型是 text/plain，只接受 JPEG、PNG 照片或 PDF。"},
		{fmt.Errorf("%w: file %d has %d bytes, not 1 to %d", inv, 1, 0, 5<<20), "第 1 个附件有 0 字节，应为 1 至 5242880 字节。"},
		{fmt.Errorf("%w: your own phone number is missing or invalid", inv), "请填写您本人正确的电话号码。"},
		{fmt.Errorf("%w: a message needs 1 to %d characters", inv, 70), "短信内容须为 1 至 70 个字。"},
		{fmt.Errorf("%w: contact channel %q is neither call nor message", inv, "fax"), "联系方式“fax”无效，只能回拨或发短信。"},
		{fmt.Errorf("%w: the transcript is empty or not valid UTF-8", inv), "转写内容为空或含有无法识别的字符。"},
		{fmt.Errorf("%w: the transcript has %d characters, the limit is %d", inv, 5001, 5000), "转写内容有 5001 个字，上限是 5000 个。"},
		{fmt.Errorf("%w: ticket %d does not need transcription", inv, 9), "工单 9 不需要转写。"},
		{fmt.Errorf("%w: the search text has %d characters, the limit is %d", workflow.ErrInvalid, 300, 200),
			"搜索内容过长：有 300 个字，最多 200 个字。"},
		{fmt.Errorf("%w: ticket number %q is not a positive number", inv, "ａｂｃ"),
			"工单编号“ａｂｃ”无效，请填写工单的数字编号，例如 401 或 #401。"},
		{fmt.Errorf("%w: time %q is not YYYY-MM-DD hh:mm", inv, "2026/12/05"),
			"时间“2026/12/05”格式有误，应为“年-月-日 时:分”，例如 2026-12-05 18:00。"},
		{fmt.Errorf("%w: choose a call-back outcome", inv), "请选择回访结果。"},
		{fmt.Errorf("%w: unreadable form: %v", bad, errors.New("unexpected EOF")), "表单无法读取，请刷新页面后重试。"},
		{fmt.Errorf("%w: unreadable multipart form: %v", bad, errors.New("unexpected EOF")), "上传的表单无法读取，请刷新页面后重试。"},
		{fmt.Errorf("%w: the upload exceeds %d MB in total", errUploadTooLarge, 32), "上传的文件合计超过 32 MB。"},
		{fmt.Errorf("%w: the request contains a NUL character", bad), "请求中含有无法识别的字符。"},
	}
	used := map[string]bool{}
	for _, tc := range tests {
		// Callers add context before the cause, as workflow does with "ticket 42: ".
		err := fmt.Errorf("ticket 42: %w", tc.err)
		t.Run(tc.err.Error(), func(t *testing.T) {
			if got := causeChinese(err); got != tc.want {
				t.Errorf("causeChinese(%q) = %q, want %q", err, got, tc.want)
			}
		})
		for _, c := range knownCauses {
			if _, ok := c.match(err.Error()); ok {
				used[c.format] = true
			}
		}
	}
	for _, c := range knownCauses {
		if !used[c.format] {
			t.Errorf("known cause %q has no test case", c.format)
		}
	}
}

func TestCauseChineseTypedAndUnknown(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"web input error", newInputError("截止日期早于起始日期。", "to is before from"), "截止日期早于起始日期。"},
		{"transition", fmt.Errorf("ticket 3: %w", &ticket.TransitionError{Action: ticket.ActReply, State: ticket.Triage}),
			"工单处于“待分拣”状态，不能执行“答复”。"},
		{"transition of an action without console text", &ticket.TransitionError{Action: "teleport", State: ticket.Closed},
			"工单处于“已结案”状态，不能执行“teleport”。"},
		{"unknown cause", fmt.Errorf("%w: something new", ticket.ErrInvalidInput), ""},
		{"cause in the middle is not matched", fmt.Errorf("%w: a note is empty, and more", ticket.ErrInvalidInput), ""},
		{"Chinese cause after English context", fmt.Errorf("%w: file %q: %v", ticket.ErrInvalidInput, "a.gif",
			errors.New("照片文件已损坏或无法识别，请换一张")), "照片文件已损坏或无法识别，请换一张"},
		{"Chinese cause alone", errors.New("照片超过 5 MB，请换一张或先压缩"), "照片超过 5 MB，请换一张或先压缩"},
		{"Chinese file name with an English cause", fmt.Errorf("%w: file %q: %v", ticket.ErrInvalidInput, "照片.jpg",
			errors.New("unexpected EOF")), ""},
		{"Chinese file name last is not a cause", fmt.Errorf("%w: file %s", ticket.ErrInvalidInput, "照片.jpg"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := causeChinese(tc.err); got != tc.want {
				t.Errorf("causeChinese(%q) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestInputErrorKeepsAPIText(t *testing.T) {
	err := newInputError("截止日期早于起始日期。", "to is before from")
	if !errors.Is(err, errBadRequest) {
		t.Error("input error does not unwrap to errBadRequest")
	}
	if got, want := err.Error(), fmt.Errorf("%w: to is before from", errBadRequest).Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if status, code := classifyError(err); status != 400 || code != "invalid_input" {
		t.Errorf("classifyError = %d %s, want 400 invalid_input", status, code)
	}
}
