package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

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
	ctx := context.Background()
	acct, err := org.AccountByName(ctx, e.db, who)
	if err != nil {
		t.Fatal(err)
	}
	id, err := org.CreateSession(ctx, e.db, acct.ID, "totp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := org.SessionByID(ctx, e.db, id)
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if form != nil {
		form.Set("csrf_token", sess.CSRF)
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: id})
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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
