package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"minyi/evaluate"
	"minyi/workflow"
)

// Limits of the submission form, in characters.
const (
	maxTextChars    = 2000
	maxAddressChars = 200
	// maxFormBytes admits three photos of 5 MB and the text fields.
	citizenMaxFormBytes = workflow.MaxPhotos*maxPhotoBytes + 1<<20
)

// citizenBase is what the layout needs on every page.
type citizenBase struct {
	Title string
	Site  string
}

func (c *citizen) base(title string) citizenBase {
	site := "民意"
	if c.s.prof != nil && c.s.prof.Title != "" {
		site = c.s.prof.Title
	}
	return citizenBase{Title: title, Site: site}
}

// citizenMessage is a page with one message and a way on.
type citizenMessage struct {
	citizenBase
	Heading  string
	Text     string
	LinkURL  string
	LinkText string
	// Back marks the link as a way back to the page the citizen posted
	// from: citizen.js follows it with history.back(), so the browser keeps
	// what the citizen typed, and LinkURL opens that page afresh without
	// JavaScript.
	Back bool
}

func (c *citizen) message(status int, heading, text, link, linkText string) (string, any, int) {
	return "message", citizenMessage{citizenBase: c.base(heading), Heading: heading, Text: text, LinkURL: link,
		LinkText: linkText}, status
}

// backMessage returns a message page whose link goes back to the page the
// request came from (see citizenMessage.Back).
func (c *citizen) backMessage(r *http.Request, status int, heading, text string) (string, any, int) {
	return "message", citizenMessage{citizenBase: c.base(heading), Heading: heading, Text: text, LinkURL: backURL(r),
		LinkText: "返回刚才的页面", Back: true}, status
}

func (c *citizen) tooMany(r *http.Request) (string, any, int) {
	return c.backMessage(r, http.StatusTooManyRequests, "操作太频繁",
		"您提交得太快了，这次没有提交。请过几分钟再提交。如遇紧急情况，请立即拨打 110。")
}

func (c *citizen) failed(r *http.Request, err error) (string, any, int) {
	c.s.log.Error("citizen page failed", "request_id", RequestID(r.Context()), "path", r.URL.Path, "error", err)
	return c.backMessage(r, http.StatusInternalServerError, "系统繁忙",
		"系统暂时出了问题，您填写的内容没有提交。请稍后再试。如遇紧急情况，请立即拨打 110。")
}

// backURL returns the address of the page a citizen request came from, with
// its QR code and its kind of form. A post to a code's form returns to that
// form, a rating or praise to its form, and a progress action to the lookup
// page. The complaint form that follows a rating is itself the response to a
// post, so the way back from it is the code's landing page. A GET returns to
// itself.
func backURL(r *http.Request) string {
	code := strings.ToUpper(r.PathValue("code"))
	if code != "" && !isCodeID(code) {
		return "/form"
	}
	path := r.URL.Path
	switch {
	case code != "" && r.PathValue("id") != "":
		return "/c/" + code
	case code != "":
		// The page after the code, such as "form" or "rate", with the code
		// in upper case, as it was issued.
		_, page, _ := strings.Cut(strings.TrimPrefix(path, "/c/"), "/")
		path = "/c/" + code
		if page != "" {
			path += "/" + page
		}
	case strings.HasPrefix(path, "/p"):
		return "/p"
	}
	return path + kindQuery(r)
}

// isCodeID reports whether s consists only of the characters of a QR code
// id, so that it can be put into an address as it is.
func isCodeID(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) < 0
}

// landingView is the page of a scanned code.
type landingView struct {
	citizenBase
	CodeID    string
	Owner     evaluate.Owner
	Revoked   bool
	IsOfficer bool
}

// loadCode resolves the code of the request path. ok is false when the code
// does not exist or is revoked; the page to show is then returned.
func (c *citizen) loadCode(r *http.Request) (evaluate.Owner, bool, func() (string, any, int)) {
	id := strings.ToUpper(r.PathValue("code"))
	o, err := evaluate.Resolve(r.Context(), c.s.db, id)
	if errors.Is(err, evaluate.ErrNotFound) {
		return o, false, func() (string, any, int) {
			return c.message(http.StatusNotFound, "二维码无效", "没有找到这个二维码。您仍然可以直接提交投诉、建议或求助。",
				"/form", "填写投诉、建议或求助")
		}
	}
	if err != nil {
		return o, false, func() (string, any, int) { return c.failed(r, err) }
	}
	if o.Code.Revoked() {
		return o, false, func() (string, any, int) {
			return c.message(http.StatusGone, "此二维码已停用",
				"这个二维码已经停用，不能再用来评价。您仍然可以直接提交投诉、建议或求助，我们同样会受理。",
				"/form", "填写投诉、建议或求助")
		}
	}
	return o, true, nil
}

func (c *citizen) landing(w http.ResponseWriter, r *http.Request) (string, any, int) {
	o, ok, fail := c.loadCode(r)
	if !ok {
		return fail()
	}
	return "landing", landingView{citizenBase: c.base(o.Title()), CodeID: o.Code.ID, Owner: o,
		IsOfficer: o.OfficerID != ""}, http.StatusOK
}

// kindNames maps the kind parameter of a form address to the ticket kind.
var kindNames = map[string]string{"complaint": "投诉", "suggestion": "建议", "help": "求助"}

var formKinds = []string{"投诉", "建议", "求助"}

// submissionView is the submission form with what the citizen entered so far.
type submissionView struct {
	citizenBase
	Action         string
	CodeID         string
	OwnerTitle     string
	IsOfficer      bool
	Key            string
	Kinds          []string
	Kind           string
	About          string // "officer", "other" or "" (not chosen yet), for a complaint through an officer's code
	Body           string
	Address        string
	Latitude       string
	Longitude      string
	Consent        bool
	Photos         []workflow.Photo
	MaxPhotos      int
	MaxChars       int
	Errors         map[string]string
	Urgent         bool
	UrgentWhy      string
	Problem        string // an error that belongs to no one field
	PhoneHint      string // the kept phone, masked
	PhoneSealed    string // the kept phone, encrypted for this process
	PhoneTyped     string // a typed number that was rejected, put back so the citizen can correct it
	RetentionYears int
}

func (c *citizen) newForm(r *http.Request) (submissionView, *evaluate.Owner, func() (string, any, int)) {
	v := submissionView{citizenBase: c.base("投诉 · 建议 · 求助"), Action: "/form" + kindQuery(r), Kinds: formKinds, Kind: "投诉",
		MaxPhotos: workflow.MaxPhotos, MaxChars: maxTextChars, Errors: map[string]string{},
		RetentionYears: c.opts.RetentionYears}
	if r.PathValue("code") == "" {
		return v, nil, nil
	}
	o, ok, fail := c.loadCode(r)
	if !ok {
		return v, nil, fail
	}
	v.Action = "/c/" + o.Code.ID + "/form" + kindQuery(r)
	v.CodeID, v.OwnerTitle, v.IsOfficer = o.Code.ID, o.Title(), o.OfficerID != ""
	return v, &o, nil
}

// kindQuery returns the form address's "?kind=" part when the request has
// a known kind, so that a post and the pages after it keep the address the
// citizen opened.
func kindQuery(r *http.Request) string {
	if k := r.URL.Query().Get("kind"); kindNames[k] != "" {
		return "?kind=" + k
	}
	return ""
}

func (c *citizen) formPage(w http.ResponseWriter, r *http.Request) (string, any, int) {
	v, _, fail := c.newForm(r)
	if fail != nil {
		return fail()
	}
	if k, ok := kindNames[r.URL.Query().Get("kind")]; ok {
		v.Kind = k
	}
	v.Key = newFormKey()
	return "form", v, http.StatusOK
}

// formPost handles a sent submission form: it keeps the photos under the
// form key, validates every field, repeats the 110 notice for a text that
// reads like an emergency, and submits the item once per form key.
func (c *citizen) formPost(w http.ResponseWriter, r *http.Request) (string, any, int) {
	v, owner, fail := c.newForm(r)
	if fail != nil {
		return fail()
	}
	if !c.allowPost(r, v.CodeID) {
		return c.tooMany(r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, citizenMaxFormBytes)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c.message(http.StatusRequestEntityTooLarge, "照片太大",
				"每张照片不能超过 5 MB，最多 3 张。请返回后换小一些的照片再提交。", v.Action, "重新填写")
		}
		return c.message(http.StatusBadRequest, "提交失败", "表单内容不完整，请重新填写。", v.Action, "重新填写")
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	c.readForm(r, &v)
	ctx := r.Context()
	if err := c.updatePhotos(ctx, r, &v); err != nil {
		if errors.Is(err, workflow.ErrFormReused) {
			return c.reusedForm(v)
		}
		return c.failed(r, err)
	}
	c.validateForm(&v)
	c.acceptVoiceOnly(ctx, &v)
	c.acceptVoiceWithoutWords(ctx, &v)
	phone, hint, sealed, problem := c.formPhone(r, v.Key)
	v.PhoneHint, v.PhoneSealed = hint, sealed
	if problem != "" {
		v.Errors["phone"] = problem
		// The page carries Cache-Control: no-store (citizenHeaders), so the
		// citizen's own input shown back to them stays out of caches.
		v.PhoneTyped = shortText(r.PostFormValue("phone"), maxPhoneInputChars)
	}
	if len(v.Errors) > 0 {
		return "form", v, http.StatusUnprocessableEntity
	}
	if urgent, why := c.opts.Urgent(v.Body); urgent && r.PostFormValue("confirm_urgent") != "1" {
		v.Urgent, v.UrgentWhy = true, why
		return "form", v, http.StatusOK
	}
	sub := workflow.Submission{Channel: "web", Kind: v.Kind, Title: c.contentTitle(ctx, &v), Body: v.Body, Place: v.Address,
		Phone: phone}
	if owner != nil {
		sub.Channel, sub.CodeID, sub.CodeUnit = "qr", owner.Code.ID, owner.UnitID
		if v.Kind == "投诉" && owner.OfficerID != "" && v.About == "officer" {
			sub.OfficerID = owner.OfficerID
		}
	}
	form := workflow.Form{Key: v.Key, Submission: sub}
	if lat, lon, ok := parseLocation(v.Latitude, v.Longitude); ok {
		form.Latitude, form.Longitude = &lat, &lon
		if sub.Place == "" {
			form.Submission.Place = fmt.Sprintf("定位 %.5f,%.5f（WGS-84）", lat, lon)
		}
	}
	form.BodyHash = formHash(v, phone)
	t, _, err := c.s.svc.SubmitVoiceForm(ctx, form)
	if errors.Is(err, workflow.ErrFormReused) {
		return c.reusedForm(v)
	}
	if err != nil {
		return c.failed(r, err)
	}
	return c.receipt(t.TrackingCode, t.UnitID, phone != "", t.Urgent, v.Kind)
}

func (c *citizen) reusedForm(v submissionView) (string, any, int) {
	return c.message(http.StatusConflict, "这份表单已经提交过",
		"这份表单已经提交过，而这次的内容不同，所以没有再次提交。如需补充，请用查询码在“查询进度”里补充；如要另提新事项，请重新填写。",
		v.Action, "重新填写")
}

// readForm copies the text fields of the request into v.
func (c *citizen) readForm(r *http.Request, v *submissionView) {
	if k := r.PostFormValue("form_key"); validFormKey(k) {
		v.Key = k
	} else {
		v.Key = newFormKey()
	}
	v.Kind = strings.TrimSpace(r.PostFormValue("kind"))
	v.About = r.PostFormValue("about")
	v.Body = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"))
	v.Address = strings.TrimSpace(r.PostFormValue("address"))
	v.Latitude = strings.TrimSpace(r.PostFormValue("lat"))
	v.Longitude = strings.TrimSpace(r.PostFormValue("lon"))
	v.Consent = r.PostFormValue("consent") == "1"
}

// validateForm checks the text fields and fills v.Errors.
func (c *citizen) validateForm(v *submissionView) {
	if !slices.Contains(formKinds, v.Kind) {
		v.Errors["kind"] = "请选择类型：投诉、建议或求助"
		v.Kind = "投诉"
	}
	// A complaint through an officer's code needs an explicit choice of whom
	// it is about, because a default would file a conduct complaint against the
	// officer for a citizen who only wanted to report, say, noise.
	if v.About != "officer" && v.About != "other" {
		v.About = ""
		if v.IsOfficer && v.Kind == "投诉" {
			v.Errors["about"] = "请选择您投诉的是这位民警的执法或服务，还是其他事情"
		}
	}
	n := utf8.RuneCountInString(v.Body)
	switch {
	case !utf8.ValidString(v.Body):
		v.Errors["body"] = "内容含有无法识别的字符，请检查后重新输入"
	case n == 0:
		v.Errors["body"] = "请写下您要反映的事情"
	case n > maxTextChars:
		v.Errors["body"] = fmt.Sprintf("内容最多 %d 个字，现在有 %d 个字，请删减 %d 个字", maxTextChars, n, n-maxTextChars)
	case !workflow.HasWords(v.Body) && len(v.Photos) == 0:
		v.Errors["body"] = noWordsProblem
	}
	if n := utf8.RuneCountInString(v.Address); n > maxAddressChars {
		v.Errors["address"] = fmt.Sprintf("地址最多 %d 个字", maxAddressChars)
	}
	if v.Latitude != "" || v.Longitude != "" {
		if _, _, ok := parseLocation(v.Latitude, v.Longitude); !ok {
			v.Errors["location"] = "定位数据无效，请重新定位或直接填写地址"
			v.Latitude, v.Longitude = "", ""
		}
	}
	if !v.Consent {
		v.Errors["consent"] = "请阅读上面的说明，并勾选同意后再提交"
	}
}

// noWordsProblem is the form's error for a text of only punctuation,
// symbols or emoji, which workflow.Validate rejects unless a photo or a
// recording carries the content (see contentTitle).
const noWordsProblem = "请用文字写下您要反映的事情，只有标点符号或表情无法办理"

// photoTitle is the title of a submission whose photos carry the content,
// because its text has no words.
const photoTitle = "照片反映（文字内容见照片）"

// contentTitle returns the title of a form submission whose text has no
// words: workflow.Validate needs words in the title or the body, and the
// title then shows staff where the content is. It returns "" for a text with
// words. A recording wins over photos, because staff transcribe it.
func (c *citizen) contentTitle(ctx context.Context, v *submissionView) string {
	if v.Body == "" || workflow.HasWords(v.Body) {
		return "" // a form with no text at all goes in as a recording only
	}
	if _, err := c.s.svc.FormVoice(ctx, v.Key); err == nil {
		return workflow.VoiceTitle
	}
	if len(v.Photos) > 0 {
		return photoTitle
	}
	return ""
}

// acceptVoiceWithoutWords lets a text without words, such as an emoji,
// through when a recording kept under the form key carries the content.
func (c *citizen) acceptVoiceWithoutWords(ctx context.Context, v *submissionView) {
	if v.Errors["body"] != noWordsProblem {
		return
	}
	if _, err := c.s.svc.FormVoice(ctx, v.Key); err == nil {
		delete(v.Errors, "body")
	}
}

// maxPhoneInputChars caps a rejected phone input shown back in the form.
const maxPhoneInputChars = 40

// shortText returns s cut to at most n characters.
func shortText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// parseLocation parses a WGS-84 position as the browser reports it.
func parseLocation(lat, lon string) (float64, float64, bool) {
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lon, 64)
	if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
		return 0, 0, false
	}
	return la, lo, true
}

// updatePhotos removes the staged photos the citizen unticked and stages the
// new uploads, skipping a file already staged under the key so that a double
// tap or a retry sends the same set. A bad photo becomes a field error.
func (c *citizen) updatePhotos(ctx context.Context, r *http.Request, v *submissionView) error {
	staged, err := c.s.svc.StagedPhotos(ctx, v.Key)
	if err != nil {
		return err
	}
	sent := len(staged) > 0 && staged[0].TicketID != 0
	if !sent {
		for _, s := range r.PostForm["remove_photo"] {
			idx, err := strconv.Atoi(s)
			if err != nil {
				continue
			}
			if err := c.s.svc.UnstagePhoto(ctx, v.Key, idx); err != nil {
				return err
			}
		}
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["photo"]
	}
	staged, err = c.s.svc.StagedPhotos(ctx, v.Key)
	if err != nil {
		return err
	}
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		p, err := readPhoto(fh)
		if pe, ok := isPhotoError(err); ok {
			v.Errors["photo"] = fmt.Sprintf("“%s”：%s", shortName(fh.Filename), pe.msg)
			continue
		}
		if err != nil {
			return err
		}
		if slices.ContainsFunc(staged, func(s workflow.Photo) bool { return s.SHA256 == p.SHA256 }) {
			continue
		}
		if len(staged) >= workflow.MaxPhotos {
			v.Errors["photo"] = fmt.Sprintf("最多上传 %d 张照片", workflow.MaxPhotos)
			continue
		}
		p.Index = freeIndex(staged)
		if err := c.s.svc.StagePhoto(ctx, v.Key, p); err != nil {
			return err
		}
		p.Data = nil
		staged = append(staged, p)
		slices.SortFunc(staged, func(a, b workflow.Photo) int { return a.Index - b.Index })
	}
	v.Photos = staged
	return nil
}

func readPhoto(fh *multipart.FileHeader) (workflow.Photo, error) {
	if fh.Size > maxPhotoBytes {
		return workflow.Photo{}, errPhotoTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return workflow.Photo{}, fmt.Errorf("web: open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPhotoBytes+1))
	if err != nil {
		return workflow.Photo{}, fmt.Errorf("web: read upload: %w", err)
	}
	return processPhoto(data)
}

func freeIndex(staged []workflow.Photo) int {
	for i := 0; ; i++ {
		if !slices.ContainsFunc(staged, func(p workflow.Photo) bool { return p.Index == i }) {
			return i
		}
	}
}

func shortName(name string) string {
	r := []rune(name)
	if len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return name
}

// formHash returns the hash of everything a form sent, which separates a
// retry from a different request that reuses the form key.
func formHash(v submissionView, phone string) string {
	h := sha256.New()
	for _, f := range []string{v.CodeID, v.Kind, v.About, v.Body, v.Address, v.Latitude, v.Longitude, phone} {
		fmt.Fprintf(h, "%d:%s\x00", len(f), f)
	}
	for _, p := range v.Photos {
		fmt.Fprintf(h, "photo:%s\x00", p.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// receiptView is the page after a submission.
type receiptView struct {
	citizenBase
	TrackingCode string
	UnitName     string
	HasPhone     bool
	Urgent       bool
	Kind         string
}

func (c *citizen) receipt(code, unitID string, hasPhone, urgent bool, kind string) (string, any, int) {
	v := receiptView{citizenBase: c.base("已收到"), TrackingCode: code, HasPhone: hasPhone, Urgent: urgent, Kind: kind}
	if u, ok := c.s.prof.Unit(unitID); ok {
		v.UnitName = u.Name
	}
	return "receipt", v, http.StatusOK
}
