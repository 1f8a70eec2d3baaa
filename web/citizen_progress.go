package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"minyi/privacy"
	"minyi/ticket"
	"minyi/workflow"
)

// lookupView is the progress lookup form.
type lookupView struct {
	citizenBase
	Code    string
	Problem string
}

func (c *citizen) progressLookup(w http.ResponseWriter, r *http.Request) (string, any, int) {
	code := normalizeTrackingCode(r.URL.Query().Get("code"))
	if len(code) > 20 {
		code = ""
	}
	return "progress_lookup", lookupView{citizenBase: c.base("查询进度"), Code: code}, http.StatusOK
}

// progressView is the progress page of one ticket.
type progressView struct {
	citizenBase
	Code          string
	Last4         string
	Key           string
	Kind          string
	Status        string
	Timeline      []timelineLine
	Messages      []timelineLine // messages the contact relay sent the citizen
	Reply         string
	CanRate       bool
	CanReopen     bool
	CanSupplement bool
	CanWithdraw   bool
	ReopenDays    int
	MaxChars      int
	Notice        string
	Problem       string
	Errors        map[string]string
	Comment       string
	Text          string
}

type timelineLine struct {
	At   string
	Text string
}

// checkProof opens a ticket by its tracking code and the last four digits of
// the phone, taking a lookup token first. It returns the page to show when
// the lookup fails.
func (c *citizen) checkProof(r *http.Request) (*workflow.Detail, string, string, func() (string, any, int)) {
	code := normalizeTrackingCode(r.PostFormValue("code"))
	last4 := normalizeDigits(r.PostFormValue("last4"))
	retry := func(msg string, status int) func() (string, any, int) {
		return func() (string, any, int) {
			return "progress_lookup", lookupView{citizenBase: c.base("查询进度"), Code: code, Problem: msg}, status
		}
	}
	if !c.allowLookup(r) {
		return nil, code, last4, retry("查询太频繁，请过一会儿再试。", http.StatusTooManyRequests)
	}
	switch {
	case code == "" && last4 == "":
		return nil, code, last4, retry("请填写查询码和电话号码的后四位。", http.StatusUnprocessableEntity)
	case code == "" || len(code) > 20:
		return nil, code, last4, retry("请填写回执上的查询码（10 位字母和数字）。", http.StatusUnprocessableEntity)
	case len(last4) != 4 || strings.Trim(last4, "0123456789") != "":
		return nil, code, last4, retry("电话号码后四位应是 4 个数字，例如 5678。", http.StatusUnprocessableEntity)
	}
	d, err := c.s.svc.CheckProgress(r.Context(), code, last4)
	if errors.Is(err, workflow.ErrNotFound) {
		return nil, code, last4, retry("查询码或电话后四位不对，请核对后再试。没有留电话的事项不能在网上查询。",
			http.StatusNotFound)
	}
	if err != nil {
		return nil, code, last4, func() (string, any, int) { return c.failed(r, err) }
	}
	return d, code, last4, nil
}

// normalizeTrackingCode turns a typed tracking code into the form it was
// issued in: NFKC turns full-width letters and digits into ASCII, and letters
// become upper case. Everything else, such as the spaces and hyphens citizens
// put between groups or the 。 copied with the code, is dropped, because the
// code alphabet (ticket.TrackingAlphabet) has only letters and digits.
func normalizeTrackingCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToUpper(norm.NFKC.String(s)))
}

// normalizeDigits returns s in NFKC, so full-width digits become ASCII, and
// without white space and hyphens.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}

func (c *citizen) progressPost(w http.ResponseWriter, r *http.Request) (string, any, int) {
	d, code, last4, fail := c.checkProof(r)
	if fail != nil {
		return fail()
	}
	return "progress", c.progressView(r.Context(), d, code, last4), http.StatusOK
}

// progressAct runs a citizen action from the progress page: rating the
// result (which completes the call-back), reopening a closed ticket,
// adding information, or withdrawing.
func (c *citizen) progressAct(w http.ResponseWriter, r *http.Request) (string, any, int) {
	d, code, last4, fail := c.checkProof(r)
	if fail != nil {
		return fail()
	}
	v := c.progressView(r.Context(), d, code, last4)
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	text := strings.TrimSpace(r.PostFormValue("text"))
	v.Comment, v.Text = comment, text
	cmd := workflow.Command{TicketID: d.Ticket.ID, Actor: ticket.Citizen}
	var done string
	switch r.PostFormValue("action") {
	case "rate":
		outcome := ticket.Outcome(r.PostFormValue("outcome"))
		if outcome != ticket.Satisfied && outcome != ticket.BasicSatisfied && outcome != ticket.Unsatisfied {
			v.Errors["outcome"] = "请选择满意、基本满意或不满意"
		}
		cmd.Action, cmd.Input = ticket.ActCallback, ticket.Input{Outcome: outcome, Reason: comment}
		done = "谢谢您的评价。"
		if outcome == ticket.Unsatisfied && d.Ticket.State == ticket.Merged {
			done = "已收到您的评价，您的意见已记录。"
		} else if outcome == ticket.Unsatisfied {
			done = "已收到您的评价。这件事将重新办理。"
		}
	case "reopen":
		cmd.Action, cmd.Input = ticket.ActReopen, ticket.Input{Reason: comment}
		done = "已收到。这件事将重新办理。"
	case "supplement":
		if text == "" {
			v.Errors["text"] = "请写下要补充的内容"
		}
		cmd.Action, cmd.Input = ticket.ActSupplement, ticket.Input{Text: text}
		done = "补充内容已送交承办单位。"
	case "withdraw":
		if r.PostFormValue("sure") != "1" {
			v.Errors["sure"] = "请勾选“我确定要撤回”"
			v.Problem = "没有撤回：请先勾选“我确定要撤回”，再点“撤回”按钮。"
		}
		cmd.Action = ticket.ActWithdraw
		done = "已撤回，这件事不再办理。"
	default:
		return "progress", v, http.StatusBadRequest
	}
	for field, s := range map[string]string{"comment": comment, "text": text} {
		if n := utf8.RuneCountInString(s); n > maxTextChars {
			v.Errors[field] = fmt.Sprintf("最多 %d 个字，现在有 %d 个字", maxTextChars, n)
		}
	}
	if len(v.Errors) > 0 {
		return "progress", v, http.StatusUnprocessableEntity
	}
	fresh := true
	if key := r.PostFormValue("form_key"); validFormKey(key) {
		var err error
		hash := formHash(submissionView{CodeID: code, Kind: string(cmd.Action), About: string(cmd.Input.Outcome),
			Body: comment + "\x00" + text}, "")
		fresh, err = c.s.svc.ClaimForm(r.Context(), key, hash, d.Ticket.ID)
		if errors.Is(err, workflow.ErrFormReused) {
			v.Problem = "这份表单已经提交过，内容不同的第二次提交没有办理。"
			return "progress", v, http.StatusConflict
		}
		if err != nil {
			return c.failed(r, err)
		}
		defer func() {
			if v.Problem != "" {
				_ = c.s.svc.ReleaseForm(r.Context(), key)
			}
		}()
	}
	if !fresh {
		v.Notice = done // a double tap or a reload: the action already ran
	} else if _, err := c.s.svc.Act(r.Context(), cmd); err != nil {
		switch {
		case errors.Is(err, ticket.ErrTransition):
			v.Problem = "这件事的状态已经变化，不能再这样操作。下面是最新进度。"
		case errors.Is(err, ticket.ErrInvalidInput):
			v.Problem = "无法办理：" + citizenReason(err)
		default:
			return c.failed(r, err)
		}
	} else {
		v.Notice = done
	}
	latest, err := c.s.svc.ByTrackingCode(r.Context(), code)
	if err != nil {
		return c.failed(r, err)
	}
	nv := c.progressView(r.Context(), latest, code, last4)
	nv.Notice, nv.Problem = v.Notice, v.Problem
	return "progress", nv, http.StatusOK
}

// citizenReason turns a domain input error into words for the citizen.
func citizenReason(err error) string {
	if errors.Is(err, ticket.ErrReopenPeriodOver) {
		return "已超过可以要求重新办理的期限。"
	}
	return "提交的内容不完整。"
}

// progressView builds the progress page of a ticket in the citizen's words.
func (c *citizen) progressView(ctx context.Context, d *workflow.Detail, code, last4 string) progressView {
	t := d.Ticket
	v := progressView{citizenBase: c.base("办理进度"), Code: code, Last4: last4, Key: newFormKey(), Kind: t.Kind,
		MaxChars: maxTextChars, Errors: map[string]string{}}
	if v.Kind == "" {
		v.Kind = "诉求"
	}
	v.Status = c.citizenStatus(t)
	for _, ev := range d.Events {
		if text := c.citizenEvent(ev); text != "" {
			v.Timeline = append(v.Timeline, timelineLine{At: ev.At.In(c.s.prof.Location).Format("2006-01-02 15:04"), Text: text})
		}
	}
	msgs, err := privacy.Messages(ctx, c.s.db, t.ID)
	if err != nil {
		c.s.log.Warn("relay messages unavailable", "request_id", RequestID(ctx), "ticket_id", t.ID, "error", err)
	}
	for _, m := range msgs {
		v.Messages = append(v.Messages, timelineLine{At: m.At.In(c.s.prof.Location).Format("2006-01-02 15:04"), Text: m.Text})
	}
	switch t.State {
	case ticket.Reviewed, ticket.CalledBack, ticket.Closed:
		v.Reply = t.Reply
	}
	v.CanRate = t.State == ticket.Reviewed
	if t.State == ticket.Merged && t.MergedInto != 0 {
		// A merged item is answered by its lead ticket: the citizen sees that
		// reply and rates it, which is this citizen's own call-back.
		leadID, err := c.s.svc.MergeLeadID(ctx, t)
		var lead *workflow.Detail
		if err == nil {
			lead, err = c.s.svc.Get(ctx, ticket.System, leadID, "citizen progress of a merged ticket")
		}
		if err != nil {
			c.s.log.Warn("lead ticket unavailable", "request_id", RequestID(ctx), "ticket_id", t.ID, "error", err)
		} else {
			switch lead.Ticket.State {
			case ticket.Reviewed, ticket.CalledBack, ticket.Closed:
				v.Reply = lead.Ticket.Reply
				v.CanRate = t.CallbackResult == ""
				if v.CanRate {
					v.Status = "已与相同事项合并办理，已办结，请您评价"
				}
			}
		}
	}
	window := time.Duration(c.s.prof.Callback.ReopenWindowDays * float64(24*time.Hour))
	v.ReopenDays = int(c.s.prof.Callback.ReopenWindowDays)
	v.CanReopen = t.State == ticket.Closed && window > 0 && c.opts.Now().Before(t.ClosedAt.Add(window))
	v.CanSupplement = ticket.Allowed(ticket.ActSupplement, t.State, ticket.RoleCitizen) && t.State != ticket.Reviewed
	v.CanWithdraw = ticket.Allowed(ticket.ActWithdraw, t.State, ticket.RoleCitizen)
	return v
}

// citizenStatus names a state in words a citizen understands.
func (c *citizen) citizenStatus(t *ticket.Ticket) string {
	switch t.State {
	case ticket.Received, ticket.Triage:
		return "已受理，正在确定承办单位"
	case ticket.Dispatched:
		return "已派至" + c.unitName(t.UnitID) + "，等待办理"
	case ticket.Accepted, ticket.Reopened:
		return "处理中"
	case ticket.Replied:
		return "已办理，正在审核结果"
	case ticket.Reviewed:
		return "已办结，请您评价"
	case ticket.CalledBack, ticket.Closed:
		return "已办结"
	case ticket.Merged:
		return "已与相同事项合并办理"
	case ticket.Invalid:
		return "不予受理"
	case ticket.Withdrawn:
		return "已撤回"
	case ticket.TransferredOut:
		return "已转交其他部门办理"
	}
	return "处理中"
}

// citizenEvent describes one timeline event in the citizen's words, or
// returns "" for internal steps the citizen need not see.
func (c *citizen) citizenEvent(ev ticket.Event) string {
	switch ev.Action {
	case ticket.ActCreate:
		return "已受理"
	case ticket.ActTriage:
		return "正在确定承办单位"
	case ticket.ActReturn:
		return "正在重新确定承办单位"
	case ticket.ActDispatch:
		return "已派至" + c.unitName(ev.UnitID)
	case ticket.ActAccept:
		return "处理中：" + c.unitName(ev.UnitID) + "已接手办理"
	case ticket.ActReply:
		return "承办单位已办理，正在审核结果"
	case ticket.ActApprove:
		return "已办结"
	case ticket.ActReject:
		return "审核后要求承办单位继续办理"
	case ticket.ActCallback:
		if o := ev.Details["outcome"]; o != "" && o != string(ticket.Unreachable) {
			return "回访：" + citizenOutcomeLabel(ticket.Outcome(o))
		}
		return "已尝试电话回访"
	case ticket.ActClose:
		return "回访完成，已办结"
	case ticket.ActReopen:
		return "重新办理"
	case ticket.ActMerge:
		return "已与相同事项合并办理"
	case ticket.ActInvalidate:
		return "不予受理"
	case ticket.ActWithdraw:
		return "您已撤回"
	case ticket.ActTransferOut:
		return "已转交" + ev.Details["destination"] + "办理"
	case ticket.ActSupplement:
		return "您补充了情况"
	case ticket.ActGrantExtension:
		return "办理期限已延长"
	case ticket.ActSupervise:
		return "已列入督办"
	}
	return ""
}

func citizenOutcomeLabel(o ticket.Outcome) string {
	switch o {
	case ticket.Satisfied:
		return "满意"
	case ticket.BasicSatisfied:
		return "基本满意"
	case ticket.Unsatisfied:
		return "不满意"
	}
	return string(o)
}

func (c *citizen) unitName(id string) string {
	if u, ok := c.s.prof.Unit(id); ok {
		return u.Name
	}
	return "承办单位"
}
