package web

import (
	"context"
	_ "embed"
	"errors"
	"html/template"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyi/asr"
	"minyi/ticket"
	"minyi/workflow"
)

// VoiceOptions configures voice input on the citizen form.
type VoiceOptions struct {
	// Recognizer turns recordings into text. Nil turns recognition off: the
	// form still accepts recordings, and staff transcribe them.
	Recognizer asr.Recognizer
}

// maxVoiceUpload admits one recording of the longest allowed length plus
// the multipart envelope and the form key.
const maxVoiceUpload = int64(asr.MaxWAVBytes) + 64<<10

// voice serves recording uploads from the citizen form and the staff
// operations on recordings.
type voice struct {
	s    *Server
	c    *citizen // for the device and client address of a request
	opts VoiceOptions
}

// voiceRoutes is the route table of voice input.
func (s *Server) voiceRoutes(o VoiceOptions) []Route {
	c := &citizen{s: s, opts: s.citizenOpts.withDefaults()}
	// Buckets of their own, sized like the other citizen posts.
	c.limit = newRateLimiter(c.opts.Now)
	v := &voice{s: s, c: c, opts: o}
	return []Route{
		{"POST", "/voice", PermPublic, v.upload},
		{"POST", "/voice/discard", PermPublic, v.discard},
		{"GET", "/voice/status", PermPublic, v.status},
		{"GET", "/api/tickets/{id}/voice", PermTicketRead, v.apiRecording},
		{"POST", "/api/tickets/{id}/transcribe", PermConsoleTriage, v.apiTranscribe},
		{"GET", "/console/tickets/{id}/voice", PermConsoleTriage, v.transcribePage},
		{"POST", "/console/tickets/{id}/voice", PermConsoleTriage, v.transcribePost},
	}
}

// voiceReply is the JSON reply to an upload. The page shows Message to the
// citizen unchanged.
type voiceReply struct {
	OK         bool    `json:"ok"`
	Text       string  `json:"text,omitempty"`
	Recognised bool    `json:"recognised"`
	Seconds    float64 `json:"seconds,omitempty"`
	Message    string  `json:"message"`
}

// Messages shown to the citizen after an upload.
const (
	voiceMsgRecognised = "已把您说的话转成文字，放在上面的框里。请核对，有错可以直接改，然后提交。"
	voiceMsgNoASR      = "录音已保存。现在无法自动转成文字，您可以直接提交，工作人员会听取您的录音。"
	voiceMsgNoSpeech   = "录音已保存，但没有听清您说的话。您可以再录一次，也可以直接提交，工作人员会听取录音。"
)

func voiceError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, voiceReply{Message: msg})
}

// upload validates a recording by its header, keeps it encrypted under the
// form key, and returns its text when a recogniser is configured and works.
// The recording is kept whether or not recognition succeeds.
func (v *voice) upload(w http.ResponseWriter, r *http.Request) {
	citizenHeaders(w.Header())
	wait := new(time.Duration)
	r = r.WithContext(context.WithValue(r.Context(), retryAfterKey{}, wait))
	if !v.c.allowPost(r, "") {
		setRetryAfter(w.Header(), *wait)
		voiceError(w, http.StatusTooManyRequests, "您操作太频繁了，请过几分钟再试。如遇紧急情况，请立即拨打 110。")
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, maxVoiceUpload)
	if err := r.ParseMultipartForm(maxVoiceUpload); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			voiceError(w, http.StatusRequestEntityTooLarge, "录音太长了。一段录音不能超过 60 秒，请分几次说，或者直接打字。")
			return
		}
		voiceError(w, http.StatusBadRequest, "录音没有传上来，请再录一次。")
		return
	}
	defer r.MultipartForm.RemoveAll()
	key := r.PostFormValue("form_key")
	files := r.MultipartForm.File["audio"]
	if !validFormKey(key) || len(files) != 1 {
		voiceError(w, http.StatusBadRequest, "录音没有传上来，请刷新页面后再录一次。")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		voiceError(w, http.StatusBadRequest, "录音没有传上来，请再录一次。")
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(asr.MaxWAVBytes)+1))
	f.Close()
	if err != nil {
		voiceError(w, http.StatusBadRequest, "录音没有传上来，请再录一次。")
		return
	}
	wav, err := asr.ValidateWAV(data)
	if err != nil {
		voiceError(w, http.StatusUnprocessableEntity, invalidVoiceMessage(err))
		return
	}

	ctx := r.Context()
	if err := v.s.svc.StageVoice(ctx, key, data, wav.Duration(), false); err != nil {
		if errors.Is(err, workflow.ErrFormReused) {
			voiceError(w, http.StatusConflict, "这份表单已经提交过了。如需补充，请用查询码在“查询进度”里补充。")
			return
		}
		v.s.log.Error("voice upload failed", "request_id", RequestID(ctx), "error", err)
		voiceError(w, http.StatusInternalServerError, "系统暂时出了问题，录音没有保存。请稍后再试，或者直接打字。")
		return
	}

	reply := voiceReply{OK: true, Seconds: roundSeconds(wav.Duration()), Message: voiceMsgNoASR}
	if v.opts.Recognizer != nil {
		text, err := v.opts.Recognizer.Recognize(ctx, data)
		switch {
		case err == nil:
			reply.Text, reply.Recognised, reply.Message = text, true, voiceMsgRecognised
			if err := v.s.svc.MarkVoiceRecognised(ctx, key); err != nil {
				v.s.log.Warn("voice recognised flag not saved", "request_id", RequestID(ctx), "error", err)
			}
		case errors.Is(err, asr.ErrNoSpeech):
			reply.Message = voiceMsgNoSpeech
		default:
			// The recording is kept; staff will listen to it.
			v.s.log.Warn("voice recognition failed", "request_id", RequestID(ctx), "error", err)
		}
	}
	writeJSON(w, http.StatusOK, reply)
}

// invalidVoiceMessage explains a rejected recording in plain words.
func invalidVoiceMessage(err error) string {
	switch {
	case errors.Is(err, asr.ErrTooLong), errors.Is(err, asr.ErrTooLarge):
		return "录音太长了。一段录音不能超过 60 秒，请分几次说，或者直接打字。"
	case errors.Is(err, asr.ErrTooShort):
		return "录音太短了。请按一下开始，说完话再按一下结束。"
	}
	return "这段录音的格式不对，没有保存。请用本页的录音按钮重新录，或者直接打字。"
}

// discard removes the staged recording of a form.
func (v *voice) discard(w http.ResponseWriter, r *http.Request) {
	citizenHeaders(w.Header())
	key := r.PostFormValue("form_key")
	if !validFormKey(key) {
		voiceError(w, http.StatusBadRequest, "没有找到这段录音。")
		return
	}
	if err := v.s.svc.UnstageVoice(r.Context(), key); err != nil {
		v.s.log.Error("voice discard failed", "request_id", RequestID(r.Context()), "error", err)
		voiceError(w, http.StatusInternalServerError, "系统暂时出了问题，请稍后再试。")
		return
	}
	writeJSON(w, http.StatusOK, voiceReply{OK: true, Message: "录音已删除。"})
}

// VoicePurposes lists the purposes a recording may be fetched for, which the
// access log records: "listen" (the default) and "transcribe", which the
// console's transcription page sends. A fixed list keeps free text, such as
// a citizen's name, out of the log.
var VoicePurposes = []string{"listen", "transcribe"}

// parseVoicePurpose checks the purpose of a recording request, with the
// error in Chinese and English. An empty purpose means "listen".
func parseVoicePurpose(purpose string) (string, error) {
	if purpose == "" {
		return VoicePurposes[0], nil
	}
	for _, p := range VoicePurposes {
		if purpose == p {
			return purpose, nil
		}
	}
	// The value is not echoed, because it may be anything the client sent.
	return "", newInputError("录音用途无效，可选："+strings.Join(VoicePurposes, "、")+"。",
		"purpose is invalid; use one of "+strings.Join(VoicePurposes, ", "))
}

// apiRecording plays a ticket's recording to staff who may read the ticket.
// The read is recorded with its purpose.
func (v *voice) apiRecording(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	purpose, err := parseVoicePurpose(r.URL.Query().Get("purpose"))
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	wav, err := v.s.svc.VoiceRecording(r.Context(), acct.Actor(), id, purpose)
	if errors.Is(err, workflow.ErrNoVoice) {
		w.WriteHeader(http.StatusNoContent) // the ticket exists; it has no recording
		return
	}
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "inline; filename=\"voice.wav\"")
	_, _ = w.Write(wav)
}

// apiTranscribe takes the text a member of the centre typed from a ticket's
// recording, as JSON {"text": "..."} or a form field text.
func (v *voice) apiTranscribe(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	text, err := transcriptFrom(r)
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	t, err := v.s.svc.Transcribe(r.Context(), acct.Actor(), id, text)
	if err != nil {
		writeError(w, r, v.s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": t.ID, "state": t.State, "unit_id": t.UnitID, "tag": t.Tag,
		"triage_reason": t.TriageReason})
}

// transcriptFrom reads the text of POST /api/tickets/{id}/transcribe: a JSON
// object {"text": …} under the API's JSON rules, or a form field "text".
func transcriptFrom(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBodyBytes)
		return r.PostFormValue("text"), nil
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return "", err
	}
	return body.Text, nil
}

// acceptVoiceOnly lets a form without text through when a recording is kept
// under its key: staff will transcribe it.
func (c *citizen) acceptVoiceOnly(ctx context.Context, v *submissionView) {
	if _, ok := v.Errors["body"]; !ok || strings.TrimSpace(v.Body) != "" {
		return
	}
	if _, err := c.s.svc.FormVoice(ctx, v.Key); err == nil {
		delete(v.Errors, "body")
	}
}

// status reports to the page whether a recording is kept under a form key, so a
// form that came back with an error still shows it.
func (v *voice) status(w http.ResponseWriter, r *http.Request) {
	citizenHeaders(w.Header())
	key := r.URL.Query().Get("form_key")
	if !validFormKey(key) {
		voiceError(w, http.StatusBadRequest, "")
		return
	}
	rec, err := v.s.svc.FormVoice(r.Context(), key)
	if errors.Is(err, workflow.ErrNotFound) {
		writeJSON(w, http.StatusOK, voiceReply{})
		return
	}
	if err != nil {
		v.s.log.Error("voice status failed", "request_id", RequestID(r.Context()), "error", err)
		voiceError(w, http.StatusInternalServerError, "")
		return
	}
	writeJSON(w, http.StatusOK, voiceReply{OK: true, Seconds: roundSeconds(rec.Duration), Recognised: rec.Recognised})
}

// roundSeconds returns d in seconds to one decimal.
func roundSeconds(d time.Duration) float64 { return math.Round(d.Seconds()*10) / 10 }

//go:embed templates/voice/transcribe.html
var transcribeHTML string

// transcribeTemplate is parsed when the package loads, so a broken template
// stops the program at start.
var transcribeTemplate = template.Must(template.New("transcribe").Funcs(template.FuncMap{"static": staticURL}).
	Parse(transcribeHTML))

// transcribeCSP admits the recording as media from minyi itself, which the
// console's own policy does not.
const transcribeCSP = "default-src 'none'; style-src 'self'; media-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

type transcribeView struct {
	T        *ticket.Ticket
	Voice    workflow.Voice
	HasVoice bool
	Seconds  float64
	Pending  bool
	CSRF     string
	MaxChars int
}

// transcribePage shows the centre a ticket's recording with a player and a
// text box for its words. Opening it records a read of the ticket.
func (v *voice) transcribePage(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	ctx := r.Context()
	d, err := v.s.svc.Get(ctx, acct.Actor(), id, "transcribe")
	if err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	rec, err := v.s.svc.TicketVoice(ctx, id)
	hasVoice := err == nil
	if err != nil && !errors.Is(err, workflow.ErrNoVoice) {
		v.s.consoleError(w, r, err)
		return
	}
	pending, err := v.s.svc.NeedsTranscription(ctx, id)
	if err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	view := transcribeView{T: d.Ticket, Voice: rec, HasVoice: hasVoice, Seconds: roundSeconds(rec.Duration), Pending: pending,
		CSRF: CSRFToken(ctx), MaxChars: workflow.MaxBodyChars}
	var b strings.Builder
	if err := transcribeTemplate.Execute(&b, view); err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", transcribeCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(b.String()))
}

// transcribePost saves the words a member of the centre typed and returns
// to the ticket, which is now tagged and, where the router places it,
// dispatched.
func (v *voice) transcribePost(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	if _, err := v.s.svc.Transcribe(r.Context(), acct.Actor(), id, r.PostFormValue("text")); err != nil {
		v.s.consoleError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
