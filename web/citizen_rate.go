package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/evaluate"
	"minyi/privacy"
	"minyi/workflow"
)

// rateView is the rating form of a code, and the praise form.
type rateView struct {
	citizenBase
	CodeID     string
	OwnerTitle string
	IsOfficer  bool
	Key        string
	Rating     string
	Comment    string
	MaxChars   int
	Errors     map[string]string
	Problem    string
}

func (c *citizen) newRate(r *http.Request, title string) (rateView, evaluate.Owner, func() (string, any, int)) {
	o, ok, fail := c.loadCode(r)
	if !ok {
		return rateView{}, o, fail
	}
	return rateView{citizenBase: c.base(title), CodeID: o.Code.ID, OwnerTitle: o.Title(), IsOfficer: o.OfficerID != "",
		Key: newFormKey(), MaxChars: evaluate.MaxCommentChars, Errors: map[string]string{}}, o, nil
}

func (c *citizen) ratePage(w http.ResponseWriter, r *http.Request) (string, any, int) {
	v, _, fail := c.newRate(r, "评价服务")
	if fail != nil {
		return fail()
	}
	return "rate", v, http.StatusOK
}

func (c *citizen) praisePage(w http.ResponseWriter, r *http.Request) (string, any, int) {
	v, _, fail := c.newRate(r, "表扬")
	if fail != nil {
		return fail()
	}
	return "praise", v, http.StatusOK
}

// ratedView is the page after a rating; after 不满意 it offers to turn the
// rating into a complaint.
type ratedView struct {
	citizenBase
	CodeID         string
	OwnerTitle     string
	IsOfficer      bool
	RatingLabel    string
	OfferComplaint bool
	EvaluationID   int64
	Key            string
	Body           string
	PhoneHint      string
	PhoneSealed    string
	Consent        bool
	MaxChars       int
	RetentionYears int
	Errors         map[string]string
}

func (c *citizen) ratePost(w http.ResponseWriter, r *http.Request) (string, any, int) {
	return c.evaluationPost(w, r, evaluate.KindRating)
}

func (c *citizen) praisePost(w http.ResponseWriter, r *http.Request) (string, any, int) {
	return c.evaluationPost(w, r, evaluate.KindPraise)
}

// evaluationPost records a rating or praise once per form key, at most one
// rating per device per officer (or code) within the rating period, and at
// most RatingsPerAddress of each kind per officer from one address in it.
func (c *citizen) evaluationPost(w http.ResponseWriter, r *http.Request, kind evaluate.Kind) (string, any, int) {
	title, page := "评价服务", "rate"
	if kind == evaluate.KindPraise {
		title, page = "表扬", "praise"
	}
	v, o, fail := c.newRate(r, title)
	if fail != nil {
		return fail()
	}
	if !c.allowPost(r, o.Code.ID) {
		return c.tooMany(r)
	}
	if k := r.PostFormValue("form_key"); validFormKey(k) {
		v.Key = k
	}
	v.Rating = r.PostFormValue("rating")
	v.Comment = strings.TrimSpace(r.PostFormValue("comment"))
	if kind == evaluate.KindRating && !evaluate.Rating(v.Rating).Valid() {
		v.Errors["rating"] = "请选择满意、基本满意或不满意"
	}
	if kind == evaluate.KindPraise && v.Comment == "" {
		v.Errors["comment"] = "请写下您想表扬的事"
	}
	if n := utf8.RuneCountInString(v.Comment); n > evaluate.MaxCommentChars {
		v.Errors["comment"] = fmt.Sprintf("最多 %d 个字，现在有 %d 个字", evaluate.MaxCommentChars, n)
	}
	if len(v.Errors) > 0 {
		return page, v, http.StatusUnprocessableEntity
	}
	masked, _ := privacy.Mask(v.Comment)
	e, err := evaluate.Record(r.Context(), c.s.db, evaluate.Evaluation{Kind: kind, CodeID: o.Code.ID,
		OfficerID: o.OfficerID, UnitID: o.UnitID, UnitPath: o.UnitPath, Rating: evaluate.Rating(v.Rating),
		Comment: masked, DeviceHash: evaluate.HashDevice(c.device(r)), FormKey: v.Key, AddressHash: c.addressHash(r)},
		evaluate.RecordOptions{Period: c.opts.RatingPeriod, AddressCap: c.opts.Limits.RatingsPerAddress, Now: c.opts.Now()})
	switch {
	case errors.Is(err, evaluate.ErrAddressLimit):
		setRetryAfter(w.Header(), untilNextWindow(c.opts.Now(), c.opts.RatingPeriod))
		return c.message(http.StatusTooManyRequests, "评价次数已达上限",
			fmt.Sprintf("%s内从同一网络评价%s的次数已达上限。谢谢您的反馈。如需投诉，请直接提交投诉。", periodWords(c.opts.RatingPeriod),
				map[bool]string{true: "同一位民警", false: "这里"}[o.OfficerID != ""]),
			"/c/"+o.Code.ID+"/form?kind=complaint", "提交投诉")
	case errors.Is(err, evaluate.ErrTooSoon) && c.sharedDevice(r):
		return c.sharedDeviceRefused(w, r, o)
	case errors.Is(err, evaluate.ErrTooSoon):
		// NOTE: the earlier rating may be up to a whole period old, so this
		// is the longest wait, not the exact one.
		setRetryAfter(w.Header(), c.opts.RatingPeriod)
		return c.message(http.StatusTooManyRequests, "您已经评价过了",
			fmt.Sprintf("%s内每部手机只能评价%s一次。谢谢您的反馈。如需投诉，请直接提交投诉。", periodWords(c.opts.RatingPeriod),
				map[bool]string{true: "同一位民警", false: "这里"}[o.OfficerID != ""]),
			"/c/"+o.Code.ID+"/form?kind=complaint", "提交投诉")
	case errors.Is(err, evaluate.ErrKeyReused):
		return c.message(http.StatusConflict, "这份评价已经提交过", "这份评价已经提交过，内容不同的第二次提交没有记录。",
			"/c/"+o.Code.ID, "返回")
	case err != nil:
		return c.failed(r, err)
	}
	if kind == evaluate.KindPraise {
		return c.message(http.StatusOK, "谢谢您的表扬", "您的表扬已经送达。", "/c/"+o.Code.ID, "返回")
	}
	rv := c.ratedView(o, e)
	if e.Rating == evaluate.Unsatisfied {
		rv.Body = v.Comment
	}
	return "rated", rv, http.StatusOK
}

// sharedDeviceRefused returns the page for a rating that the one-per-period
// rule rejected for the device of the client address. Past the new-device
// allowance of an address, every new browser there shares that device, so
// the earlier rating was most likely someone else's on the same network.
// The page explains this instead of "您已经评价过了", the rating stays rejected,
// and its back link returns to the rating form, which a little later gives
// the browser a device of its own.
func (c *citizen) sharedDeviceRefused(w http.ResponseWriter, r *http.Request, o evaluate.Owner) (string, any, int) {
	wait := c.newDeviceWait(r)
	setRetryAfter(w.Header(), wait)
	c.s.log.Info("citizen rating rejected: the shared device of the address already rated", "request_id",
		RequestID(r.Context()), "code_id", o.Code.ID, "retry_after_seconds", int64(wait/time.Second))
	heading := "这个网络评价的人较多"
	text := "您所在的网络（例如同一个 Wi-Fi）近来有很多人评价，这次评价没有记录。" +
		"请过几分钟返回评价页面再提交，或关闭 Wi-Fi、改用手机流量后再评价。如需投诉，请直接提交投诉。"
	return "message", citizenMessage{citizenBase: c.base(heading), Heading: heading, Text: text,
		LinkURL: "/c/" + o.Code.ID + "/rate", LinkText: "返回评价页面", Back: true}, http.StatusTooManyRequests
}

func (c *citizen) ratedView(o evaluate.Owner, e evaluate.Evaluation) ratedView {
	return ratedView{citizenBase: c.base("谢谢您的评价"), CodeID: o.Code.ID, OwnerTitle: o.Title(), IsOfficer: o.OfficerID != "",
		RatingLabel: e.Rating.Label(), OfferComplaint: e.Rating == evaluate.Unsatisfied && e.ComplaintTicketID == 0,
		EvaluationID: e.ID, Key: newFormKey(), MaxChars: maxTextChars, RetentionYears: c.opts.RetentionYears,
		Errors: map[string]string{}}
}

// rateComplaint turns an unsatisfied rating into a complaint ticket in one
// step. A complaint about an officer carries the officer, so dispatch sends
// it to the discipline unit, where the officer cannot see it.
func (c *citizen) rateComplaint(w http.ResponseWriter, r *http.Request) (string, any, int) {
	o, ok, fail := c.loadCode(r)
	if !ok {
		return fail()
	}
	if !c.allowPost(r, o.Code.ID) {
		return c.tooMany(r)
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	e, err := evaluate.ByID(r.Context(), c.s.db, id)
	if errors.Is(err, evaluate.ErrNotFound) || (err == nil && (e.CodeID != o.Code.ID ||
		e.DeviceHash != evaluate.HashDevice(c.device(r)) || e.Rating != evaluate.Unsatisfied)) {
		return c.message(http.StatusNotFound, "无法转为投诉", "没有找到这条评价。您可以直接提交投诉。",
			"/c/"+o.Code.ID+"/form?kind=complaint", "提交投诉")
	}
	if err != nil {
		return c.failed(r, err)
	}
	v := c.ratedView(o, e)
	v.OfferComplaint = true
	if k := r.PostFormValue("form_key"); validFormKey(k) {
		v.Key = k
	}
	v.Body = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"))
	v.Consent = r.PostFormValue("consent") == "1"
	n := utf8.RuneCountInString(v.Body)
	switch {
	case n == 0:
		v.Errors["body"] = "请写下投诉的具体情况"
	case n > maxTextChars:
		v.Errors["body"] = fmt.Sprintf("内容最多 %d 个字，现在有 %d 个字", maxTextChars, n)
	case !workflow.HasWords(v.Body):
		v.Errors["body"] = noWordsProblem
	}
	phone, hint, sealed, perr := c.formPhone(r, v.Key)
	v.PhoneHint, v.PhoneSealed = hint, sealed
	if perr != "" {
		v.Errors["phone"] = perr
	}
	if !v.Consent {
		v.Errors["consent"] = "请阅读说明，并勾选同意后再提交"
	}
	if len(v.Errors) > 0 {
		return "rated", v, http.StatusUnprocessableEntity
	}
	sub := workflow.Submission{Channel: "qr", Kind: "投诉", Body: v.Body, CodeID: o.Code.ID, CodeUnit: o.UnitID,
		OfficerID: o.OfficerID, Phone: phone}
	hash := formHash(submissionView{CodeID: o.Code.ID, Kind: "投诉", About: "evaluation:" + strconv.FormatInt(e.ID, 10),
		Body: v.Body}, phone)
	t, _, err := c.s.svc.SubmitForm(r.Context(), workflow.Form{Key: v.Key, BodyHash: hash, Submission: sub})
	if errors.Is(err, workflow.ErrFormReused) {
		return c.reusedForm(submissionView{Action: "/c/" + o.Code.ID + "/form?kind=complaint"})
	}
	if err != nil {
		return c.failed(r, err)
	}
	if err := evaluate.LinkComplaint(r.Context(), c.s.db, e.ID, t.ID); err != nil && !errors.Is(err, evaluate.ErrInvalid) {
		return c.failed(r, err)
	}
	return c.receipt(t.TrackingCode, t.UnitID, phone != "", t.Urgent, "投诉")
}

// untilNextWindow returns the time from now to the start of the next
// window of the per-address rating cap. The windows are those of
// evaluate.Record: multiples of period since the Unix epoch.
func untilNextWindow(now time.Time, period time.Duration) time.Duration {
	ms := period.Milliseconds()
	if ms <= 0 {
		return 0
	}
	return time.Duration(ms-now.UnixMilli()%ms) * time.Millisecond
}

// periodWords names a rating period in Chinese.
func periodWords(d interface{ Hours() float64 }) string {
	h := d.Hours()
	switch {
	case h >= 24 && int(h)%24 == 0:
		return fmt.Sprintf("%d 天", int(h)/24)
	case h >= 1:
		return fmt.Sprintf("%d 小时", int(h))
	}
	return "短时间"
}
