package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/audit"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
	"minyi/workflow"
)

// contactEnv is a server with or without a demo relay provider.
type contactEnv struct {
	db       *store.DB
	svc      *workflow.Service
	provider *privacy.DemoProvider
	srv      *httptest.Server
}

func newContactEnv(t *testing.T, withRelay bool) *contactEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
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
	e := &contactEnv{db: db}
	o := workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: fixedTagger{}}
	if withRelay {
		e.provider = privacy.NewDemoProvider()
		o.Relay = privacy.NewRelay(prot.Vault(), e.provider, 0)
	}
	if e.svc, err = workflow.New(o); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(web.New(web.Options{Service: e.svc, DB: db, Profile: p}))
	t.Cleanup(e.srv.Close)
	return e
}

// request sends one request with a fresh session of the account and returns
// the status, the Location header and the body.
func (e *contactEnv) request(t *testing.T, who, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	return sessionRequest(t, e.db, e.srv.URL, who, method, path, form)
}

// sessionRequest sends one request to the server at base with a fresh
// session of the account and its CSRF token, as a form when form is not nil,
// and returns the status, the Location header and the body.
func sessionRequest(t *testing.T, db *store.DB, base, who, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	contentType := ""
	if form != nil {
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	return sessionSend(t, db, base, who, method, path, body, contentType)
}

// sessionSend is sessionRequest with any body. The CSRF token goes in the
// X-CSRF-Token header, and in the csrf_token field of a form body.
func sessionSend(t *testing.T, db *store.DB, base, who, method, path string, body io.Reader,
	contentType string) (int, string, string) {
	t.Helper()
	ctx := context.Background()
	acct, err := org.AccountByName(ctx, db, who)
	if err != nil {
		t.Fatal(err)
	}
	id, err := org.CreateSession(ctx, db, acct.ID, "totp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := org.SessionByID(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	if contentType == "application/x-www-form-urlencoded" {
		b, _ := io.ReadAll(body)
		form, _ := url.ParseQuery(string(b))
		form.Set("csrf_token", sess.CSRF)
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, base+path, body)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: id})
	req.Header.Set("X-CSRF-Token", sess.CSRF)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestConsoleContact(t *testing.T) {
	ctx := context.Background()
	const phone = "19900005678" // generated
	t.Run("with a provider", func(t *testing.T) {
		e := newContactEnv(t, true)
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan", Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/console/tickets/%d", tk.ID)
		_, _, body := e.request(t, "centre1", "GET", page, nil)
		if !strings.Contains(body, `id="contact"`) || strings.Contains(body, "未配置隐私号服务") {
			t.Fatal("the centre's ticket page lacks the enabled contact section")
		}
		if _, _, body := e.request(t, "qinghe-leader", "GET", page, nil); strings.Contains(body, `id="contact"`) {
			t.Fatal("a leader's ticket page shows the contact section")
		}
		status, loc, _ := e.request(t, "centre1", "POST", page+"/contact",
			url.Values{"channel": {"call"}, "staff_phone": {"0731-88880000"}})
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, page+"?done=contact") {
			t.Fatalf("call: status %d, location %q", status, loc)
		}
		status, _, _ = e.request(t, "dongguan", "POST", page+"/contact",
			url.Values{"channel": {"message"}, "text": {"请补充具体位置"}})
		if status != http.StatusSeeOther {
			t.Fatalf("handler's message: status %d", status)
		}
		if status, _, _ := e.request(t, "binjiang", "POST", page+"/contact",
			url.Values{"channel": {"message"}, "text": {"x"}}); status != http.StatusNotFound {
			t.Fatalf("another station's handler: status %d, want 404", status)
		}
		_, _, body = e.request(t, "centre1", "GET", page, nil)
		for _, want := range []string{"联系群众", "DEMO-0001", "请补充具体位置", "已发送"} {
			if !strings.Contains(body, want) {
				t.Errorf("timeline lacks %q", want)
			}
		}
		if n := e.provider.Reached(phone); n != 2 {
			t.Fatalf("the relay reached the citizen %d times, want 2", n)
		}
		// The demo provider delivers messages to the citizen's progress page.
		resp, err := http.PostForm(e.srv.URL+"/p", url.Values{"code": {tk.TrackingCode}, "last4": {phone[7:]}})
		if err != nil {
			t.Fatal(err)
		}
		progress, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(progress), "请补充具体位置") {
			t.Fatalf("progress page (status %d) does not show the relay message", resp.StatusCode)
		}
	})
	t.Run("without a provider", func(t *testing.T) {
		e := newContactEnv(t, false)
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan", Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/console/tickets/%d", tk.ID)
		_, _, body := e.request(t, "centre1", "GET", page, nil)
		if !strings.Contains(body, "未配置隐私号服务") || !strings.Contains(body, "disabled") {
			t.Fatal("the contact section does not explain that no provider is configured")
		}
		status, _, body := e.request(t, "centre1", "POST", page+"/contact", url.Values{"channel": {"message"}, "text": {"您好"}})
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "MINYI_RELAY_URL") {
			t.Fatalf("status %d, want 503 naming MINYI_RELAY_URL", status)
		}
	})
}

// hintRecords returns the phone-hint records of the access log for a ticket, oldest first.
func hintRecords(t *testing.T, db *store.DB, ticketID int64) []audit.Record {
	t.Helper()
	recs, err := audit.Query(context.Background(), db, audit.Filter{TicketID: ticketID, Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == audit.ActionTicketContact && strings.HasPrefix(recs[i].Purpose, "phone_hint:") {
			out = append(out, recs[i])
		}
	}
	return out
}

// TestConsolePhoneHint views a generated number's hint as centre staff
// through the console and the API. The page must show only 138****NNNN, and
// each view must be in the access log with its purpose and without a digit
// of the number. Every other role must get 403.
func TestConsolePhoneHint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuditEnv(t, db)
		phone := fmt.Sprintf("138%08d", rand.IntN(100_000_000)) // generated
		hint := phone[:3] + "****" + phone[7:]
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan", Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		noPhone, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "路灯不亮", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		send := func(who, method, path string, form url.Values) (int, string) {
			t.Helper()
			status, _, body := sessionRequest(t, db, e.srv.URL, who, method, path, form)
			return status, body
		}
		page := fmt.Sprintf("/console/tickets/%d", tk.ID)
		hintPath := page + "/phone-hint"
		purpose := url.Values{"purpose": {workflow.HintVerifyCaller}}

		t.Run("ticket page form", func(t *testing.T) {
			if _, body := send("centre1", "GET", page, nil); !strings.Contains(body, `id="f-phone-hint"`) {
				t.Error("the centre's ticket page lacks the phone hint form")
			}
			if _, body := send("dongguan", "GET", page, nil); strings.Contains(body, `id="f-phone-hint"`) {
				t.Error("a handler's ticket page shows the phone hint form")
			}
		})

		t.Run("centre sees the hint", func(t *testing.T) {
			status, body := send("centre1", "POST", hintPath, purpose)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}

			if !strings.Contains(body, `<output id="hint" class="phone-hint">`+hint+`</output>`) {
				t.Errorf("page does not show the hint %s", hint)
			}
			if !strings.Contains(body, "核实来电人是否为本件群众") {
				t.Error("page does not name the recorded purpose")
			}
			for _, spelling := range phoneSpellings(phone) {
				if strings.Contains(body, spelling) {
					t.Errorf("page contains the number spelled %q", spelling)
				}
			}

			recs := hintRecords(t, db, tk.ID)
			if len(recs) != 1 {
				t.Fatalf("%d phone hint records, want 1", len(recs))
			}
			r := recs[0]
			if r.AccountName != "centre1" || r.Role != "centre" {
				t.Errorf("record actor %s (%s), want centre1 (centre)", r.AccountName, r.Role)
			}
			if r.Purpose != "phone_hint:verify_caller" {
				t.Errorf("record purpose %q, want phone_hint:verify_caller", r.Purpose)
			}
			if len(r.Fields) != 1 || r.Fields[0] != workflow.FieldPhoneMasked {
				t.Errorf("record fields %v, want [%s]", r.Fields, workflow.FieldPhoneMasked)
			}
			if r.Result != audit.ResultOK {
				t.Errorf("record result %q, want ok", r.Result)
			}
		})

		t.Run("API", func(t *testing.T) {
			status, _, body := sessionSend(t, db, e.srv.URL, "centre1", "POST", "/api/tickets/"+itoa(tk.ID)+"/phone-hint",
				strings.NewReader(`{"purpose":"repeat_caller"}`), "application/json")
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", status, body)
			}
			var got struct {
				TicketID  int64  `json:"ticket_id"`
				PhoneHint string `json:"phone_hint"`
				Purpose   string `json:"purpose"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if got.TicketID != tk.ID || got.PhoneHint != hint || got.Purpose != workflow.HintRepeatCaller {
				t.Errorf("response %+v, want ticket %d, hint %s, purpose repeat_caller", got, tk.ID, hint)
			}
			if strings.Contains(body, phone) || strings.Contains(body, phone[3:]) {
				t.Error("response contains the number")
			}
			if recs := hintRecords(t, db, tk.ID); len(recs) != 2 || recs[1].Purpose != "phone_hint:repeat_caller" {
				t.Errorf("after the API view, records %+v, want a second one with purpose phone_hint:repeat_caller", recs)
			}
		})

		t.Run("other roles refused", func(t *testing.T) {
			before := len(hintRecords(t, db, tk.ID))
			for _, who := range []string{"dongguan", "qinghe-leader", "auditor", "admin"} {
				if status, body := send(who, "POST", hintPath, purpose); status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", who, status)
				} else if strings.Contains(body, hint) {
					t.Errorf("%s: refused page shows the hint", who)
				}
			}
			if status, _ := send("centre1", "POST", "/console/tickets/999999/phone-hint", purpose); status != http.StatusNotFound {
				t.Errorf("missing ticket: status %d, want 404", status)
			}
			if n := len(hintRecords(t, db, tk.ID)); n != before {
				t.Errorf("refused requests added %d phone hint records", n-before)
			}
		})

		t.Run("purpose required", func(t *testing.T) {
			before := len(hintRecords(t, db, tk.ID))
			for _, p := range []string{"", "curiosity"} {
				status, body := send("centre1", "POST", hintPath, url.Values{"purpose": {p}})
				if status != http.StatusBadRequest {
					t.Errorf("purpose %q: status %d, want 400", p, status)
				}
				if strings.Contains(body, hint) {
					t.Errorf("purpose %q: page shows the hint", p)
				}
			}
			if n := len(hintRecords(t, db, tk.ID)); n != before {
				t.Errorf("rejected purposes added %d phone hint records", n-before)
			}
		})

		t.Run("ticket without a number", func(t *testing.T) {
			status, body := send("centre1", "POST", fmt.Sprintf("/console/tickets/%d/phone-hint", noPhone.ID), purpose)
			if status != http.StatusConflict || !strings.Contains(body, "没有留下有效的电话号码") {
				t.Errorf("status %d, want 409 with the no-number text", status)
			}
			recs := hintRecords(t, db, noPhone.ID)
			if len(recs) != 1 || recs[0].Result != audit.ResultError {
				t.Errorf("records %+v, want one with result error", recs)
			}
		})

		t.Run("log has no digits", func(t *testing.T) {
			recs, err := audit.Query(ctx, db, audit.Filter{Limit: audit.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				b, _ := json.Marshal(r)
				if strings.Contains(string(b), phone[3:]) || strings.Contains(string(b), hint) {
					t.Errorf("record %d contains the number or its hint: %s", r.Seq, b)
				}
			}
		})
	})
}
