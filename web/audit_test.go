package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"minyi/audit"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

// auditEnv is a server whose workflow writes to a real access log, with a
// signing key and a checkpoint file in a temporary folder, a demo contact
// relay, and accounts that can sign in.
type auditEnv struct {
	*authEnv
	log *audit.Log
	key *audit.Key
}

func newAuditEnv(t *testing.T, db *store.DB, withPasswords ...string) *auditEnv {
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

	dir := t.TempDir()
	key, err := audit.LoadOrCreateKey(filepath.Join(dir, "audit.key"), "minyi/test/audit")
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(audit.Options{Key: key, CheckpointPath: filepath.Join(dir, "checkpoints")})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: fixedTagger{},
		Audit: workflow.AuditLog(l), Relay: privacy.NewRelay(prot.Vault(), privacy.NewDemoProvider(), 0)})
	if err != nil {
		t.Fatal(err)
	}

	e := &authEnv{db: db, svc: svc, clock: &testClock{now: time.Now()}, secrets: map[string]string{}, prot: prot}
	for _, name := range withPasswords {
		if err := org.SetPassword(ctx, db, name, testPassword); err != nil {
			t.Fatal(err)
		}
		secret, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, prot.Vault(), name, secret); err != nil {
			t.Fatal(err)
		}
		e.secrets[name] = secret
	}
	e.web = web.New(web.Options{Service: svc, DB: db, Profile: p, Audit: l, Protector: prot,
		Auth: web.AuthOptions{Now: e.clock.Now, AfterSignIn: "/account"}})
	e.srv = httptest.NewServer(e.web)
	t.Cleanup(e.srv.Close)
	return &auditEnv{authEnv: e, log: l, key: key}
}

// send makes one request with the given request id, the browser's cookies
// and, when csrf is set, the session's CSRF token.
func (b *browser) send(method, path, requestID, csrf string, body io.Reader, contentType string) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("X-Request-Id", requestID)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return b.do(req)
}

// signInWithID signs in as name with the given request ids for the
// password and code steps, and returns the session's CSRF token.
func (b *browser) signInWithID(name, passwordID, codeID string) string {
	b.t.Helper()
	tok := formToken(b.t, b.get("/signin").body)
	form := url.Values{"csrf_token": {tok}, "name": {name}, "password": {testPassword}}
	r := b.send("POST", "/signin", passwordID, "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if r.status != http.StatusOK {
		b.t.Fatalf("password step for %s: %d", name, r.status)
	}
	form = url.Values{"csrf_token": {formToken(b.t, r.body)}, "code": {b.e.code(b.t, name, 0)}}
	r = b.send("POST", "/signin/code", codeID, "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("code step for %s: %d", name, r.status)
	}
	return formToken(b.t, b.get("/account").body)
}

// generatedCitizen returns a made-up mobile number and name for a fixture.
func generatedCitizen() (phone, name string) {
	phone = fmt.Sprintf("139%08d", rand.IntN(100_000_000))
	surnames, givenNames := []rune("赵钱孙李周吴郑王"), []rune("一二三四五六七八")
	name = string(surnames[rand.IntN(len(surnames))]) + "测" + string(givenNames[rand.IntN(len(givenNames))])
	return phone, name
}

// recordsByRequest returns every access record keyed by request id, in the
// order appended, and all records newest first.
func recordsByRequest(t *testing.T, db *store.DB) (map[string][]audit.Record, []audit.Record) {
	t.Helper()
	recs, err := audit.Query(context.Background(), db, audit.Filter{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]audit.Record{}
	for i := len(recs) - 1; i >= 0; i-- {
		by[recs[i].RequestID] = append(by[recs[i].RequestID], recs[i])
	}
	return by, recs
}

// TestAuditCoverage performs each kind of access through the HTTP router and
// finds its record: account, role, action, ticket, filter and count, result,
// request id, client address and session. No record may contain the
// citizen's data or the ticket's text.
func TestAuditCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuditEnv(t, db, "centre1", "dongguan")
		phone, name := generatedCitizen()
		const title, body = "夜间施工噪音", "楼上工地每晚施工到凌晨两点，噪音很大，影响老人休息"
		inScope, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Title: title, Body: body,
			CodeUnit: "ps-dongguan", Phone: phone, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		outOfScope, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "路灯不亮", CodeUnit: "ps-binjiang"})
		if err != nil {
			t.Fatal(err)
		}
		inTriage, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "小区门口积水"})
		if err != nil {
			t.Fatal(err)
		}
		if inScope.State != ticket.Dispatched || inTriage.State != ticket.Triage {
			t.Fatalf("fixtures: states %s and %s, want dispatched and triage", inScope.State, inTriage.State)
		}
		id := itoa(inScope.ID)

		centre := e.browser(t)
		tok := formToken(t, centre.get("/signin").body)
		form := url.Values{"csrf_token": {tok}, "name": {"centre1"}, "password": {"wrong-password-9"}}
		if r := centre.send("POST", "/signin", "cov-signin-failed", "", strings.NewReader(form.Encode()),
			"application/x-www-form-urlencoded"); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.status)
		}
		csrf := centre.signInWithID("centre1", "cov-password", "cov-signin")
		session := audit.HashSession(centre.cookie("minyi_session"))

		steps := []struct {
			method, path, requestID, body string
			status                        int
		}{
			{"GET", "/api/tickets/" + id + "?purpose=handling", "cov-read", "", http.StatusOK},
			{"GET", "/api/tickets?state=dispatched&unit=ps-dongguan", "cov-list", "", http.StatusOK},
			{"GET", "/api/search?q=" + url.QueryEscape("噪音") + "&state=dispatched", "cov-search", "", http.StatusOK},
			{"GET", "/search/export.xlsx?state=dispatched", "cov-export", "", http.StatusOK},
			{"POST", "/api/tickets/" + id + "/contact", "cov-contact", `{"channel":"message","text":"请您方便时回电"}`, http.StatusOK},
			{"POST", "/api/tickets/" + itoa(inTriage.ID) + "/dispatch", "cov-change", `{"unit":"ps-dongguan"}`, http.StatusOK},
		}
		replies := map[string]reply{}
		for _, s := range steps {
			var rd io.Reader
			ct := ""
			if s.body != "" {
				rd, ct = strings.NewReader(s.body), "application/json"
			}
			r := centre.send(s.method, s.path, s.requestID, csrf, rd, ct)
			if r.status != s.status {
				t.Fatalf("%s %s: status %d, want %d: %s", s.method, s.path, r.status, s.status, r.body)
			}
			replies[s.requestID] = r
		}
		var listed struct{ Count int64 }
		if err := json.Unmarshal([]byte(replies["cov-list"].body), &listed); err != nil {
			t.Fatal(err)
		}
		var searched struct{ Results []any }
		if err := json.Unmarshal([]byte(replies["cov-search"].body), &searched); err != nil {
			t.Fatal(err)
		}
		exported := xlsxRows(t, replies["cov-export"].body) - 3 // filter, time and header rows

		handler := e.browser(t)
		handler.signInWithID("dongguan", "cov-password-2", "cov-signin-2")
		if r := handler.send("GET", "/console/triage", "cov-denied-403", "", nil, ""); r.status != http.StatusForbidden {
			t.Fatalf("handler on triage: %d", r.status)
		}
		if r := handler.send("GET", "/api/tickets/"+itoa(outOfScope.ID), "cov-denied-404", "", nil, ""); r.status != http.StatusNotFound {
			t.Fatalf("handler on another station's ticket: %d", r.status)
		}
		if r := centre.send("POST", "/api/tickets/"+id+"/flag_urgent", "cov-denied-csrf", "not-the-token",
			strings.NewReader("{}"), "application/json"); r.status != http.StatusForbidden {
			t.Fatalf("action with a wrong CSRF token: %d", r.status)
		}
		if r := centre.send("POST", "/signout", "cov-signout", csrf, nil, ""); r.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", r.status)
		}
		// NOTE: no route shows the masked digits of a citizen's number yet, so
		// that kind of access has no step here. The contact step covers the
		// other use of ticket.contact.

		type want struct {
			account, role, action, result, filter, purpose string
			ticketID, count                                int64
			session, field                                 string
		}
		cases := map[string]want{
			"cov-signin-failed": {account: "centre1", role: "centre", action: audit.ActionSignInFailed, result: "denied", purpose: "bad password"},
			"cov-signin":        {account: "centre1", role: "centre", action: audit.ActionSignIn, result: "ok", purpose: "totp", session: session},
			"cov-read":          {account: "centre1", role: "centre", action: audit.ActionTicketRead, result: "ok", ticketID: inScope.ID, purpose: "handling", session: session, field: "body"},
			"cov-list":          {account: "centre1", role: "centre", action: audit.ActionTicketList, result: "ok", filter: "state=dispatched&unit=ps-dongguan", count: listed.Count, session: session},
			"cov-search":        {account: "centre1", role: "centre", action: audit.ActionTicketList, result: "ok", filter: "q=噪音", purpose: "search", count: int64(len(searched.Results)), session: session},
			"cov-export":        {account: "centre1", role: "centre", action: audit.ActionTicketExport, result: "ok", filter: "state=dispatched", purpose: "export", count: int64(exported), session: session},
			"cov-contact":       {account: "centre1", role: "centre", action: audit.ActionTicketContact, result: "ok", ticketID: inScope.ID, session: session},
			"cov-change":        {account: "centre1", role: "centre", action: audit.ActionTicketChange, result: "ok", ticketID: inTriage.ID, purpose: "dispatch", session: session},
			"cov-denied-403":    {account: "dongguan", role: "handler", action: audit.ActionDenied, result: "denied", purpose: "console:triage"},
			"cov-denied-404":    {account: "dongguan", role: "handler", action: audit.ActionDenied, result: "denied", ticketID: outOfScope.ID},
			"cov-denied-csrf":   {account: "centre1", role: "centre", action: audit.ActionDenied, result: "denied", ticketID: inScope.ID, purpose: "CSRF", session: session},
			"cov-signout":       {account: "centre1", role: "centre", action: audit.ActionSignOut, result: "ok", session: session},
		}
		by, all := recordsByRequest(t, db)
		for requestID, w := range cases {
			t.Run(requestID, func(t *testing.T) {
				recs := by[requestID]
				if len(recs) != 1 {
					t.Fatalf("%d records with request id %s, want 1: %+v", len(recs), requestID, recs)
				}
				r := recs[0]
				if r.AccountName != w.account || r.Role != w.role {
					t.Errorf("account %q role %q, want %q %q", r.AccountName, r.Role, w.account, w.role)
				}
				if r.Action != w.action {
					t.Errorf("action %q, want %q", r.Action, w.action)
				}
				if r.Result != w.result {
					t.Errorf("result %q, want %q", r.Result, w.result)
				}
				if r.TicketID != w.ticketID {
					t.Errorf("ticket %d, want %d", r.TicketID, w.ticketID)
				}
				if !strings.Contains(r.Filter, w.filter) {
					t.Errorf("filter %q, want it to contain %q", r.Filter, w.filter)
				}
				if !strings.Contains(r.Purpose, w.purpose) {
					t.Errorf("purpose %q, want it to contain %q", r.Purpose, w.purpose)
				}
				if r.Count != w.count {
					t.Errorf("count %d, want %d", r.Count, w.count)
				}
				if r.ClientAddr != "127.0.0.1" {
					t.Errorf("client address %q, want 127.0.0.1", r.ClientAddr)
				}
				if w.session != "" && r.SessionHash != w.session {
					t.Errorf("session hash %q, want %q", r.SessionHash, w.session)
				}
				if w.field != "" && !slices.Contains(r.Fields, w.field) {
					t.Errorf("fields %v, want %q among them", r.Fields, w.field)
				}
				if w.account == "dongguan" && r.SessionHash == "" {
					t.Error("denied request of a signed-in handler has no session hash")
				}
			})
		}
		if listed.Count < 1 || exported < 1 || len(searched.Results) < 1 {
			t.Errorf("fixtures: listed %d, exported %d, searched %d; want at least 1 each", listed.Count, exported, len(searched.Results))
		}

		secrets := []string{phone, phone[len(phone)-8:], name, title, body, "请您方便时回电", centre.cookie("minyi_session")}
		for _, r := range all {
			line, _ := json.Marshal(r)
			for _, s := range secrets {
				if s != "" && strings.Contains(string(line), s) {
					t.Errorf("record %d contains %q: %s", r.Seq, s, line)
				}
			}
		}

		if _, err := e.log.Checkpoint(ctx, db); err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
		dir := t.TempDir()
		if _, err := audit.Export(ctx, db, dir, audit.ExportOptions{CheckpointPath: e.log.CheckpointPath()}); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.VerifyDir(dir, e.key.Verifier); err != nil {
			t.Fatalf("verify the export: %v", err)
		}
	})
}

// xlsxRows returns the number of rows of the first sheet of a workbook.
func xlsxRows(t *testing.T, data string) int {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader([]byte(data)))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// TestAuditFailClosed drops the access log's table under a running server: a
// ticket read must then fail and return none of the ticket's content.
func TestAuditFailClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuditEnv(t, db, "centre1")
		const title, body = "井盖缺失", "学校门口的井盖丢了，孩子上学很危险"
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Title: title, Body: body, CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		b.signIn("centre1")
		if r := b.get("/api/tickets/" + itoa(tk.ID)); r.status != http.StatusOK || !strings.Contains(r.body, body) {
			t.Fatalf("read before the failure: %d", r.status)
		}
		if _, err := db.ExecContext(ctx, "DROP TABLE audit_records"); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/tickets/" + itoa(tk.ID), "/console/tickets/" + itoa(tk.ID), "/api/tickets?state=dispatched"} {
			r := b.get(path)
			if r.status != http.StatusInternalServerError {
				t.Errorf("%s without the audit table: status %d, want 500", path, r.status)
			}
			for _, s := range []string{title, body, tk.TrackingCode} {
				if strings.Contains(r.body, s) {
					t.Errorf("%s without the audit table returned %q", path, s)
				}
			}
		}
	})
}

// TestAuditorPages reads the three lists as the auditor, as pages and as
// spreadsheets, pages through a long list, and finds the auditor's own reads
// in the log.
func TestAuditorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuditEnv(t, db, "auditor")
		const ticketID = 4242
		centre, err := org.AccountByName(ctx, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(-2 * time.Hour)
		for i := range 60 {
			action := audit.ActionTicketRead
			if i%10 == 0 {
				action = audit.ActionTicketExport
			}
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := e.log.Append(ctx, tx, audit.Record{Time: start.Add(time.Duration(i) * time.Second),
					AccountID: centre.ID, AccountName: "centre1", Role: "centre", Action: action, TicketID: ticketID,
					Purpose: fmt.Sprintf("step-%02d", i), Result: audit.ResultOK, RequestID: fmt.Sprintf("fixture-%02d", i)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.log.Checkpoint(ctx, db); err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		b.signIn("auditor")

		home := b.send("GET", "/console/audit", "aud-home", "", nil, "")
		if home.status != http.StatusOK || !strings.Contains(html.UnescapeString(home.body), e.key.VerifierKey) ||
			!strings.Contains(home.body, "minyi audit verify --key") || !strings.Contains(home.body, `id="signed-size">60<`) {
			t.Fatalf("audit home: %d\n%s", home.status, home.body)
		}

		page1 := b.send("GET", fmt.Sprintf("/console/audit/ticket?id=%d", ticketID), "aud-p1", "", nil, "")
		if page1.status != http.StatusOK {
			t.Fatalf("ticket list: %d\n%s", page1.status, page1.body)
		}
		if n := strings.Count(page1.body, "<tr data-seq="); n != 50 {
			t.Errorf("page 1 has %d rows, want 50", n)
		}
		if !strings.Contains(page1.body, "step-59") || strings.Contains(page1.body, "step-09") {
			t.Error("page 1 does not start with the newest record")
		}
		page2 := b.send("GET", fmt.Sprintf("/console/audit/ticket?id=%d&page=2", ticketID), "aud-p2", "", nil, "")
		if n := strings.Count(page2.body, "<tr data-seq="); n != 10 || !strings.Contains(page2.body, "step-00") {
			t.Errorf("page 2 has %d rows, want 10 ending with step-00", n)
		}
		if !strings.Contains(page2.body, `rel="prev"`) || strings.Contains(page2.body, `rel="next"`) {
			t.Error("page 2 links are wrong")
		}
		en := b.get(fmt.Sprintf("/console/audit/ticket?id=%d&lang=en", ticketID))
		if !strings.Contains(en.body, "Who accessed a ticket") || !strings.Contains(en.body, "ticket read") {
			t.Error("the English list lacks its title or action names")
		}
		b.get("/console/audit?lang=zh")

		sheet := b.send("GET", fmt.Sprintf("/console/audit/ticket.xlsx?id=%d", ticketID), "aud-xlsx", "", nil, "")
		if sheet.status != http.StatusOK {
			t.Fatalf("ticket spreadsheet: %d %s", sheet.status, sheet.body)
		}
		if n := xlsxRows(t, sheet.body) - 3; n != 60 {
			t.Errorf("ticket spreadsheet has %d records, want 60", n)
		}

		loc := mustLocation(t)
		first, today := start.In(loc).Format(time.DateOnly), time.Now().In(loc).Format(time.DateOnly)
		exports := b.send("GET", "/console/audit/exports?from="+first+"&to="+today, "aud-exports", "", nil, "")
		if n := strings.Count(exports.body, `data-action="ticket.export"`); n != 6 || strings.Contains(exports.body, `data-action="ticket.read"`) {
			t.Errorf("exports list has %d exports, want 6 and no reads", n)
		}
		account := b.send("GET", "/console/audit/account?account=centre1&from="+first+"&to="+today, "aud-account", "", nil, "")
		if n := strings.Count(account.body, "<tr data-seq="); n != 50 {
			t.Errorf("account list has %d rows, want 50", n)
		}
		if r := b.get("/console/audit/account?account=nobody"); r.status != http.StatusNotFound {
			t.Errorf("unknown account: %d, want 404", r.status)
		}
		if r := b.get("/console/audit/account"); r.status != http.StatusOK || !strings.Contains(r.body, `id="incomplete"`) {
			t.Errorf("account list without an account: %d", r.status)
		}

		by, _ := recordsByRequest(t, db)
		for _, c := range []struct{ requestID, action, filter string }{
			{"aud-home", "audit.read", "view=checkpoint"},
			{"aud-p1", "audit.read", fmt.Sprintf("view=ticket&ticket=%d", ticketID)},
			{"aud-p2", "audit.read", "page=2"},
			{"aud-xlsx", "audit.export", fmt.Sprintf("view=ticket&ticket=%d", ticketID)},
			{"aud-exports", "audit.read", "view=exports&from=" + first + "&to=" + today},
			{"aud-account", "audit.read", "view=account&account=centre1"},
		} {
			recs := by[c.requestID]
			if len(recs) != 1 {
				t.Errorf("%s: %d records, want 1", c.requestID, len(recs))
				continue
			}
			r := recs[0]
			if r.AccountName != "auditor" || r.Action != c.action || !strings.Contains(r.Filter, c.filter) {
				t.Errorf("%s: record %+v, want auditor, %s, filter with %q", c.requestID, r, c.action, c.filter)
			}
		}
		if recs := by["aud-xlsx"]; len(recs) == 1 && recs[0].Count != 60 {
			t.Errorf("spreadsheet record counts %d rows, want 60", recs[0].Count)
		}
		if recs := by["aud-p1"]; len(recs) == 1 && recs[0].Count != 50 {
			t.Errorf("page record counts %d rows, want 50", recs[0].Count)
		}
	})
}

func mustLocation(t *testing.T) *time.Location {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	return p.Location
}
