package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"minyi/asr"
	"minyi/evaluate"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

type voiceEnv struct {
	srv    *httptest.Server
	svc    *workflow.Service
	db     *store.DB
	centre string // API token of centre1
	rec    *fakeRecogniser
}

// fakeRecogniser stands in for an OpenAI-compatible transcription server on
// 127.0.0.1. It checks each request and answers with a known transcript.
type fakeRecogniser struct {
	srv    *httptest.Server
	answer string

	mu       sync.Mutex
	received [][]byte
	problems []string
}

func newFakeRecogniser(t *testing.T, answer string) *fakeRecogniser {
	t.Helper()
	f := &fakeRecogniser{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRecogniser) serve(w http.ResponseWriter, r *http.Request) {
	var problems []string
	var wav []byte
	if r.Method != http.MethodPost || r.URL.Path != asr.TranscriptionPath {
		problems = append(problems, fmt.Sprintf("request %s %s", r.Method, r.URL.Path))
	}
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		problems = append(problems, "not multipart: "+err.Error())
	} else {
		if r.FormValue("language") != "zh" || r.FormValue("model") == "" {
			problems = append(problems, fmt.Sprintf("language %q model %q", r.FormValue("language"), r.FormValue("model")))
		}
		if fh := r.MultipartForm.File["file"]; len(fh) == 1 {
			file, _ := fh[0].Open()
			wav, _ = io.ReadAll(file)
			file.Close()
		} else {
			problems = append(problems, "no file field")
		}
	}
	f.mu.Lock()
	f.received = append(f.received, wav)
	f.problems = append(f.problems, problems...)
	f.mu.Unlock()
	if len(problems) > 0 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"text": f.answer})
}

func (f *fakeRecogniser) last(t *testing.T) []byte {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.problems) > 0 {
		t.Fatalf("recogniser saw bad requests: %v", f.problems)
	}
	if len(f.received) == 0 {
		t.Fatal("the recogniser received nothing")
	}
	return f.received[len(f.received)-1]
}

// newVoiceEnv starts minyi with a fake recogniser; answer "" starts it
// without one.
func newVoiceEnv(t *testing.T, db *store.DB, answer string) *voiceEnv {
	t.Helper()
	return newVoiceEnvLimits(t, db, answer, web.CitizenLimits{})
}

func newVoiceEnvLimits(t *testing.T, db *store.DB, answer string, limits web.CitizenLimits) *voiceEnv {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	keys, _ := privacy.GenerateKeys()
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: fixedTagger{},
		Urgency: evaluate.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	e := &voiceEnv{svc: svc, db: db}
	var opts web.VoiceOptions
	if answer != "" {
		e.rec = newFakeRecogniser(t, answer)
		h, err := asr.NewHTTP(e.rec.srv.URL, "", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		opts.Recognizer = h
	}
	if e.centre, err = org.IssueToken(ctx, db, "centre1"); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(web.New(web.Options{Service: svc, DB: db, Profile: p, Voice: opts,
		Citizen: web.CitizenOptions{Limits: limits}}))
	t.Cleanup(e.srv.Close)
	return e
}

// speechLike returns d of a tone whose loudness varies like syllables.
func speechLike(d time.Duration, rate int) []int16 {
	n := int(d * time.Duration(rate) / time.Second)
	s := make([]int16, n)
	for i := range s {
		x := float64(i) / float64(rate)
		s[i] = int16(9000 * math.Abs(math.Sin(2*math.Pi*3*x)) * math.Sin(2*math.Pi*220*x))
	}
	return s
}

func uploadVoice(t *testing.T, c *http.Client, base, key string, data []byte) (int, map[string]any) {
	t.Helper()
	status, out, _ := uploadVoiceHeader(t, c, base, key, data)
	return status, out
}

// uploadVoiceHeader is uploadVoice that also returns the response header.
func uploadVoiceHeader(t *testing.T, c *http.Client, base, key string, data []byte) (int, map[string]any, http.Header) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("form_key", key)
	fw, _ := mw.CreateFormFile("audio", "voice.wav")
	_, _ = fw.Write(data)
	mw.Close()
	resp, err := c.Post(base+"/voice", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("voice reply is not JSON: %v", err)
	}
	return resp.StatusCode, out, resp.Header
}

func TestVoiceUploadChecksContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newVoiceEnv(t, db, "路灯坏了")
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		key := citizenFormKey(t, page)
		cases := []struct {
			name   string
			data   []byte
			status int
			text   string
			msg    string
		}{
			{"fake content with a .wav name", []byte("<html>not audio</html>"), 422, "", "格式不对"},
			{"stereo", asr.EncodeWAV(speechLike(2*time.Second, 16000), 16000, 2), 422, "", "格式不对"},
			{"44.1 kHz", asr.EncodeWAV(speechLike(2*time.Second, 44100), 44100, 1), 422, "", "格式不对"},
			{"too short", asr.EncodeWAV(speechLike(100*time.Millisecond, 16000), 16000, 1), 422, "", "太短"},
			{"over 60 s", asr.EncodeWAV(speechLike(62*time.Second, 16000), 16000, 1), 422, "", "60 秒"},
			{"valid", asr.EncodeWAV(speechLike(2*time.Second, 16000), 16000, 1), 200, "路灯坏了", "核对"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, out := uploadVoice(t, c, e.srv.URL, key, tc.data)
				if status != tc.status || out["text"] != nil && out["text"] != tc.text ||
					!strings.Contains(fmt.Sprint(out["message"]), tc.msg) {
					t.Fatalf("upload = %d %v, want %d with %q", status, out, tc.status, tc.msg)
				}
				_, err := e.svc.FormVoice(context.Background(), key)
				if (err == nil) != (tc.status == 200) {
					t.Fatalf("staged recording after %s: %v", tc.name, err)
				}
			})
		}
	})
}

// A form sent without text but with a recording arrives marked as needing
// transcription, and the transcribe API tags it.
func TestVoiceOnlyFormAndTranscribeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newVoiceEnv(t, db, "")
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		key := citizenFormKey(t, page)
		if status, _ := citizenPost(t, c, e.srv.URL+"/form", complaintFields(key, "", fakePhone())); status != 422 {
			t.Fatalf("empty form without a recording: status %d, want 422", status)
		}
		status, out := uploadVoice(t, c, e.srv.URL, key, asr.EncodeWAV(speechLike(3*time.Second, 16000), 16000, 1))
		if status != 200 || out["recognised"] != false || !strings.Contains(fmt.Sprint(out["message"]), "工作人员会听取") {
			t.Fatalf("upload without recogniser = %d %v", status, out)
		}
		status, page = citizenPost(t, c, e.srv.URL+"/form", complaintFields(key, "", fakePhone()))
		if status != 200 {
			t.Fatalf("voice-only form: status %d\n%.800s", status, page)
		}
		d, err := e.svc.ByTrackingCode(context.Background(), receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.State != ticket.Triage || d.Ticket.TriageReason != workflow.NeedsTranscriptionReason {
			t.Fatalf("voice-only ticket: state %s reason %q", d.Ticket.State, d.Ticket.TriageReason)
		}
		api := func(method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.centre)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		id := fmt.Sprint(d.Ticket.ID)
		if status, b := api("GET", "/api/tickets/"+id+"/voice", ""); status != 200 || !strings.HasPrefix(b, "RIFF") {
			t.Fatalf("recording for centre: %d, %.20q", status, b)
		}
		// The transcript follows the API's JSON rules before anything is written.
		for _, bad := range []string{`{"txt":"楼下饭店夜里噪音很大"}`, `{"text":"楼下饭店"} trailing`, `{"text":"楼下\u0000饭店"}`} {
			if status, b := api("POST", "/api/tickets/"+id+"/transcribe", bad); status != 400 {
				t.Fatalf("transcribe %s: %d %s, want 400", bad, status, b)
			}
		}
		if status, b := api("POST", "/api/tickets/"+id+"/transcribe", `{"text":"楼下饭店夜里噪音很大"}`); status != 200 {
			t.Fatalf("transcribe: %d %s", status, b)
		}
		if status, _ := api("POST", "/api/tickets/"+id+"/transcribe", `{"text":"再来"}`); status != 400 {
			t.Fatalf("second transcribe: %d, want 400", status)
		}
		d, _ = e.svc.ByTrackingCode(context.Background(), d.Ticket.TrackingCode)
		if d.Ticket.Body != "楼下饭店夜里噪音很大" || d.Ticket.Tag != "噪声扰民" ||
			d.Ticket.TriageReason == workflow.NeedsTranscriptionReason {
			t.Fatalf("after transcription: body %q tag %q reason %q", d.Ticket.Body, d.Ticket.Tag, d.Ticket.TriageReason)
		}
		// Anonymous clients get neither the recording nor the transcription.
		resp, err := http.Get(e.srv.URL + "/api/tickets/" + id + "/voice")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("anonymous recording request: %d, want 401", resp.StatusCode)
		}
	})
}

// The centre opens a voice-only ticket's transcription page, hears the
// recording through the player's address, and types the words; a handler
// may not.
func TestVoiceTranscriptionPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		key := "0123456789abcdef0123456789abcdef"
		wav := asr.EncodeWAV(speechLike(2*time.Second, 16000), 16000, 1)
		if err := e.svc.StageVoice(ctx, key, wav, 2*time.Second, false); err != nil {
			t.Fatal(err)
		}
		tk, _, err := e.svc.SubmitVoiceForm(ctx, workflow.Form{Key: key, BodyHash: "h",
			Submission: workflow.Submission{Channel: "web", Kind: "投诉"}})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/console/tickets/%d/voice", tk.ID)

		handler := e.browser(t)
		handler.signIn("dongguan")
		if r := handler.get(path); r.status != http.StatusForbidden {
			t.Fatalf("handler opens the transcription page: %d, want 403", r.status)
		}

		centre := e.browser(t)
		csrf := centre.signIn("centre1")
		page := centre.get(path)
		if page.status != http.StatusOK || !strings.Contains(page.body, `<audio id="voice-player"`) ||
			!strings.Contains(page.body, `id="transcript"`) {
			t.Fatalf("transcription page: %d\n%.1500s", page.status, page.body)
		}
		if audio := centre.get(fmt.Sprintf("/api/tickets/%d/voice?purpose=transcribe", tk.ID)); audio.status != 200 ||
			audio.body != string(wav) {
			t.Fatalf("player source: %d, %d bytes", audio.status, len(audio.body))
		}
		if r := centre.post(path, url.Values{"text": {"楼下饭店夜里噪音很大"}}); r.status != http.StatusForbidden {
			t.Fatalf("post without CSRF token: %d, want 403", r.status)
		}
		r := centre.post(path, url.Values{"csrf_token": {csrf}, "text": {"楼下饭店夜里噪音很大"}})
		if r.status != http.StatusSeeOther || r.location != fmt.Sprintf("/console/tickets/%d", tk.ID) {
			t.Fatalf("transcribe: %d %q\n%.800s", r.status, r.location, r.body)
		}
		d, err := e.svc.ByTrackingCode(ctx, tk.TrackingCode)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Body != "楼下饭店夜里噪音很大" || d.Ticket.Tag != "噪声扰民" {
			t.Fatalf("after transcription: body %q tag %q", d.Ticket.Body, d.Ticket.Tag)
		}
		if page := centre.get(path); !strings.Contains(page.body, `id="transcribed"`) {
			t.Fatalf("page after transcription offers the form again")
		}
	})
}

// Uploads take tokens from the per-device bucket like other citizen posts.
func TestVoiceUploadRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		roomy := web.Rate{Burst: 100, PerHour: 100}
		e := newVoiceEnvLimits(t, db, "", web.CitizenLimits{PerDevice: web.Rate{Burst: 2, PerHour: 1},
			PerAddress: roomy, PerCodeAddress: roomy, LookupPerDevice: roomy, LookupPerAddress: roomy})
		c := phoneClient(t)
		_, page, _ := citizenGet(t, c, e.srv.URL+"/form")
		key := citizenFormKey(t, page)
		wav := asr.EncodeWAV(speechLike(time.Second, 16000), 16000, 1)
		for i, want := range []int{200, 200, 429} {
			status, out, header := uploadVoiceHeader(t, c, e.srv.URL, key, wav)
			if status != want {
				t.Fatalf("upload %d: %d %v, want %d", i+1, status, out, want)
			}
			// One token an hour comes back after 3,600 s at most.
			if wait, err := strconv.Atoi(header.Get("Retry-After")); status == 429 && (err != nil || wait < 1 || wait > 3600) {
				t.Errorf("rejected upload's Retry-After %q, want 1–3600 seconds", header.Get("Retry-After"))
			}
		}
	})
}
