package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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

// consoleAccounts are the accounts the console tests sign in as.
var consoleAccounts = []string{"centre1", "dongguan", "binjiang", "qinghe-leader", "auditor"}

// newConsoleEnv starts a server like newAuthEnv does, with urgency detection
// on, and gives every console account a password and a TOTP secret.
func newConsoleEnv(t *testing.T, db *store.DB) *authEnv {
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
	e := &authEnv{db: db, svc: svc, clock: &testClock{now: time.Now()}, secrets: map[string]string{}, prot: prot}
	for _, name := range consoleAccounts {
		if err := org.SetPassword(ctx, db, name, testPassword); err != nil {
			t.Fatal(err)
		}
		secret, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, prot.Vault(), name, secret); err != nil {
			t.Fatal(err)
		}
		e.secrets[name] = secret
	}
	auth := web.AuthOptions{Now: e.clock.Now, AfterSignIn: "/account"} // signIn expects the account page
	e.web = web.New(web.Options{Service: svc, DB: db, Profile: p, Auth: auth, Protector: prot,
		KPI: func(context.Context, time.Time, time.Time, string) (any, error) { return map[string]int{"ok": 1}, nil }})
	e.srv = httptest.NewServer(e.web)
	t.Cleanup(e.srv.Close)
	return e
}

// seedPhones are generated numbers for the seed tickets' bodies and phone
// fields. No console page may show them in any common spelling.
var seedPhones = []string{"13912345678", "13698765432", "15800001111"}

func phoneSpellings(p string) []string {
	return []string{p, p[:3] + " " + p[3:7] + " " + p[7:], p[:3] + "-" + p[3:7] + "-" + p[7:], "+86" + p,
		p[3:], // the eight digits after the carrier prefix
		strings.Map(func(r rune) rune { return r - '0' + '０' }, p)} // full-width digits
}

type seeded struct {
	dongguan, binjiang, triage *ticket.Ticket
}

// seedConsole creates a ticket at Dongguan, one at Binjiang and one in
// triage, each with phone numbers in the body and in the phone field.
func seedConsole(t *testing.T, svc *workflow.Service) seeded {
	t.Helper()
	ctx := context.Background()
	sub := func(unit, phone, body string) *ticket.Ticket {
		t.Helper()
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", CodeUnit: unit, Phone: phone,
			Title: "夜间噪音 请回电" + phone, Body: body, Name: "测试群众"})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	return seeded{
		dongguan: sub("ps-dongguan", seedPhones[0], "楼下夜间噪音，我的电话13912345678，也可打139 1234 5678。"),
		binjiang: sub("ps-binjiang", seedPhones[1], "滨江夜市噪音扰民，联系电话：136-9876-5432"),
		triage:   sub("", seedPhones[2], "夜间噪音太大，请联系+86 158 0000 1111"),
	}
}

// consolePaths lists every console page that a GET can open, for the seeded tickets.
func consolePaths(s seeded) []string {
	return []string{"/console", "/console/triage", "/console/inbox", "/console/review", "/console/supervision",
		"/console/officers", "/console/alerts", "/console/tickets/" + itoa(s.dongguan.ID),
		"/console/tickets/" + itoa(s.binjiang.ID), "/console/tickets/" + itoa(s.triage.ID)}
}

func TestConsoleAccessByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		dg, bj, tr := "/console/tickets/"+itoa(s.dongguan.ID), "/console/tickets/"+itoa(s.binjiang.ID),
			"/console/tickets/"+itoa(s.triage.ID)
		tests := []struct {
			account string
			want    map[string]int // path -> status; every other console path is not checked here
		}{
			{"centre1", map[string]int{"/console": 303, "/console/triage": 200, "/console/review": 200,
				"/console/supervision": 200, "/console/officers": 200, "/console/alerts": 200, dg: 200, bj: 200, tr: 200}},
			{"dongguan", map[string]int{"/console": 303, "/console/inbox": 200, "/console/triage": 403,
				"/console/review": 403, "/console/supervision": 403, "/console/alerts": 403, dg: 200, bj: 404, tr: 404,
				"/console/officers": 200, "/console/officers?unit=ps-binjiang": 404}},
			{"binjiang", map[string]int{"/console/inbox": 200, dg: 404, bj: 200, tr: 404}},
			{"qinghe-leader", map[string]int{"/console": 303, "/console/supervision": 200, "/console/inbox": 200,
				dg: 200, bj: 404, "/console/triage": 403}},
			{"auditor", map[string]int{"/console/inbox": 403, dg: 403, "/console/triage": 403}},
		}
		for _, tc := range tests {
			t.Run(tc.account, func(t *testing.T) {
				b := e.browser(t)
				b.signIn(tc.account)
				for path, want := range tc.want {
					if r := b.get(path); r.status != want {
						t.Errorf("GET %s: %d, want %d", path, r.status, want)
					}
				}
			})
		}
	})
}

// TestConsoleStationIsolation opens every console page as each station's
// handler and looks for the other station's tickets.
func TestConsoleStationIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		for _, c := range []struct {
			account     string
			own, others []*ticket.Ticket
		}{
			{"dongguan", []*ticket.Ticket{s.dongguan}, []*ticket.Ticket{s.binjiang, s.triage}},
			{"binjiang", []*ticket.Ticket{s.binjiang}, []*ticket.Ticket{s.dongguan, s.triage}},
		} {
			t.Run(c.account, func(t *testing.T) {
				b := e.browser(t)
				b.signIn(c.account)
				inbox := b.get("/console/inbox")
				for _, own := range c.own {
					if !strings.Contains(inbox.body, own.TrackingCode) && !strings.Contains(inbox.body, `id="t`+itoa(own.ID)+`"`) {
						t.Errorf("inbox lacks the station's own ticket %d", own.ID)
					}
				}
				for _, path := range consolePaths(s) {
					r := b.get(path)
					for _, other := range c.others {
						for _, mark := range []string{other.TrackingCode, `id="t` + itoa(other.ID) + `"`,
							`/console/tickets/` + itoa(other.ID) + `"`} {
							if strings.Contains(r.body, mark) {
								t.Errorf("%s shows %q of another unit's ticket %d", path, mark, other.ID)
							}
						}
					}
				}
				for _, other := range c.others {
					path := "/console/tickets/" + itoa(other.ID)
					if r := b.get(path); r.status != http.StatusNotFound {
						t.Errorf("direct link %s: %d, want 404", path, r.status)
					}
					// A form posted to another unit's ticket is rejected as not found and changes nothing.
					_, before := ticketRow(t, db, other.ID)
					csrf := formToken(t, b.get("/console/inbox").body)
					r := b.post(path+"/accept", url.Values{"csrf_token": {csrf}, "back": {"/console/inbox"}})
					if r.status != http.StatusNotFound {
						t.Errorf("accept on %s: %d, want 404", path, r.status)
					}
					if _, after := ticketRow(t, db, other.ID); after != before {
						t.Errorf("ticket %d changed from version %d to %d", other.ID, before, after)
					}
				}
			})
		}
	})
}

// TestConsoleNoPhoneNumbers fetches every console page as every account and
// searches the HTML for the seeded numbers in several spellings.
func TestConsoleNoPhoneNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		ctx := context.Background()
		// Move one ticket along, so the timeline, review and supervision pages have content.
		centre, _ := org.AccountByName(ctx, db, "centre1")
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: s.dongguan.ID, Actor: centre.Actor(),
			Action: ticket.ActSupervise, Input: ticket.Input{Due: time.Now().Add(48 * time.Hour),
				Reason: "群众来电13912345678催办"}}); err != nil {
			t.Fatal(err)
		}
		pages := 0
		for _, name := range []string{"centre1", "dongguan", "binjiang", "qinghe-leader"} {
			b := e.browser(t)
			b.signIn(name)
			for _, path := range append(consolePaths(s), "/console/officers?unit=ps-dongguan", "/console/triage?lang=en") {
				r := b.get(path)
				if r.status != http.StatusOK {
					continue
				}
				pages++
				for _, p := range seedPhones {
					for _, spelled := range phoneSpellings(p) {
						if strings.Contains(r.body, spelled) {
							t.Errorf("%s as %s shows %q", path, name, spelled)
						}
					}
				}
			}
		}
		if pages < 20 {
			t.Fatalf("only %d pages opened; the check looked at too little", pages)
		}
	})
}

var tokenRE = regexp.MustCompile(`\[[a-z_.]+\]`)

// TestConsoleTextsComplete renders every page in both languages and fails on
// a text key without a translation, which renders as [key].
func TestConsoleTextsComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		for _, name := range []string{"centre1", "dongguan"} {
			b := e.browser(t)
			b.signIn(name)
			for _, lang := range []string{"en", "zh"} {
				for _, path := range consolePaths(s) {
					r := b.get(path + "?lang=" + lang)
					if m := tokenRE.FindString(r.body); m != "" {
						t.Errorf("%s (%s, %s) shows the untranslated key %s", path, name, lang, m)
					}
				}
			}
		}
	})
}

// TestConsoleDispatchWithCorrectedTag posts the triage form with a new tag
// and checks that the correction is its own event before the dispatch.
func TestConsoleDispatchWithCorrectedTag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		b := e.browser(t)
		b.signIn("centre1")
		page := b.get("/console/triage")
		if !strings.Contains(page.body, `id="f-dispatch-`+itoa(s.triage.ID)+`"`) {
			t.Fatalf("triage page has no dispatch form for ticket %d", s.triage.ID)
		}
		csrf := formToken(t, page.body)
		path := "/console/tickets/" + itoa(s.triage.ID) + "/dispatch"
		bad := b.post(path, url.Values{"csrf_token": {csrf}, "tag": {"治安秩序"}, "unit": {""}, "back": {"/console/triage"}})
		if bad.status != http.StatusBadRequest {
			t.Fatalf("dispatch without a unit: %d", bad.status)
		}
		if r := b.post(path, url.Values{"tag": {"治安秩序"}, "unit": {"ps-nanmen"}}); r.status != http.StatusForbidden {
			t.Fatalf("dispatch without the CSRF token: %d", r.status)
		}
		r := b.post(path, url.Values{"csrf_token": {csrf}, "tag": {"治安秩序"}, "unit": {"ps-nanmen"}, "back": {"/console/triage"}})
		if r.status != http.StatusSeeOther || r.location != "/console/triage?done=dispatch" {
			t.Fatalf("dispatch: %d %q", r.status, r.location)
		}
		centre, _ := org.AccountByName(context.Background(), db, "centre1")
		d, err := e.svc.Get(context.Background(), centre.Actor(), s.triage.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.State != ticket.Dispatched || d.Ticket.UnitID != "ps-nanmen" || d.Ticket.Tag != "治安秩序" {
			t.Fatalf("after dispatch: %s %s %s", d.Ticket.State, d.Ticket.UnitID, d.Ticket.Tag)
		}
		var actions []string
		for _, ev := range d.Events {
			actions = append(actions, string(ev.Action))
		}
		got := strings.Join(actions, ",")
		if !strings.HasSuffix(got, "retag,dispatch") {
			t.Fatalf("timeline %s does not end with retag,dispatch", got)
		}
		// A back address off the console is not followed.
		r = b.post("/console/tickets/"+itoa(s.dongguan.ID)+"/flag_urgent",
			url.Values{"csrf_token": {csrf}, "reason": {"测试"}, "back": {"//evil.example/x"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console?") {
			t.Fatalf("off-site back: %d %q", r.status, r.location)
		}
	})
}

// TestConsoleActionForms posts the forms of the actions the walk does not
// use and checks each ticket's state in the database afterwards.
func TestConsoleActionForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		ctx := context.Background()
		more := func() int64 {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "夜间噪音"})
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		invalid, transfer, noReason := more(), more(), more()
		centre, handler := e.browser(t), e.browser(t)
		centreCSRF, handlerCSRF := centre.signIn("centre1"), handler.signIn("dongguan")
		steps := []struct {
			name   string
			b      *browser
			csrf   string
			id     int64
			action string
			form   url.Values
			status int
			state  string
			ext    string
		}{
			{"merge", centre, centreCSRF, s.triage.ID, "merge", url.Values{"into": {itoa(s.dongguan.ID)}}, 303, "merged", ""},
			{"invalidate", centre, centreCSRF, invalid, "invalidate", url.Values{"reason": {"内容无法核实"}}, 303, "invalid", ""},
			{"invalidate without reason", centre, centreCSRF, noReason, "invalidate", url.Values{}, 400, "triage", ""},
			{"transfer out", centre, centreCSRF, transfer, "transfer_out",
				url.Values{"destination": {"12345"}, "reason": {"物业纠纷"}}, 303, "transferred_out", ""},
			{"handler may not invalidate", handler, handlerCSRF, s.dongguan.ID, "invalidate",
				url.Values{"reason": {"x"}}, 403, "dispatched", ""},
			{"ask for extension", handler, handlerCSRF, s.dongguan.ID, "request_extension",
				url.Values{"reason": {"需协调多个部门"}}, 303, "dispatched", "requested"},
			{"grant extension", centre, centreCSRF, s.dongguan.ID, "grant_extension",
				url.Values{"due": {time.Now().Add(10 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")}},
				303, "dispatched", "granted"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				form := st.form
				form.Set("csrf_token", st.csrf)
				form.Set("back", "/console/inbox")
				r := st.b.post("/console/tickets/"+itoa(st.id)+"/"+st.action, form)
				if r.status != st.status {
					t.Fatalf("%s: %d, want %d\n%s", st.action, r.status, st.status, r.body)
				}
				state, _ := ticketRow(t, db, st.id)
				if state != st.state {
					t.Errorf("state %s, want %s", state, st.state)
				}
				if st.ext != "" {
					var ext string
					if err := db.QueryRowContext(ctx, `SELECT extension FROM tickets WHERE id = ?`, st.id).Scan(&ext); err != nil {
						t.Fatal(err)
					}
					if ext != st.ext {
						t.Errorf("extension %q, want %q", ext, st.ext)
					}
				}
			})
			if st.name == "ask for extension" {
				// The request now waits on the centre's review page, with its forms.
				page := centre.get("/console/review").body
				if !strings.Contains(page, `id="f-grant_extension-`+itoa(s.dongguan.ID)+`"`) {
					t.Fatal("the review page has no grant form for the extension request")
				}
			}
		}
	})
}

// TestConsoleOfficerPage seeds ratings and praise for two officers of one
// station and a rating that became a conduct complaint, and checks what the
// officer page shows and to whom.
func TestConsoleOfficerPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		p, _ := profile.Load("police")
		var station []profile.Officer
		for _, o := range p.Officers {
			if o.Unit == "ps-dongguan" {
				station = append(station, o)
			}
		}
		if len(station) < 2 {
			t.Fatalf("the profile has %d officers at ps-dongguan, the test needs 2", len(station))
		}
		a, b := station[0], station[1]
		record := func(officer string, kind evaluate.Kind, rating evaluate.Rating, comment string) evaluate.Evaluation {
			ev, err := evaluate.Record(ctx, db, evaluate.Evaluation{Kind: kind, OfficerID: officer, UnitID: "ps-dongguan",
				UnitPath: p.UnitPath("ps-dongguan"), Rating: rating, Comment: comment},
				evaluate.RecordOptions{Now: e.clock.Now().Add(-time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		record(a.ID, evaluate.KindRating, evaluate.Satisfied, "")
		record(a.ID, evaluate.KindRating, evaluate.BasicSatisfied, "")
		bad := record(a.ID, evaluate.KindRating, evaluate.Unsatisfied, "出警民警态度恶劣")
		record(a.ID, evaluate.KindPraise, "", "感谢民警帮忙找回钱包")
		record(b.ID, evaluate.KindRating, evaluate.Satisfied, "")
		complaint, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Kind: "投诉", OfficerID: a.ID,
			Body: "出警民警态度恶劣"})
		if err != nil {
			t.Fatal(err)
		}
		if err := evaluate.LinkComplaint(ctx, db, bad.ID, complaint.ID); err != nil {
			t.Fatal(err)
		}

		path := "/console/officers/" + a.ID
		dg := e.browser(t)
		dg.signIn("dongguan")
		r := dg.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("own officer: %d", r.status)
		}
		for _, want := range []string{a.Name, "感谢民警帮忙找回钱包", ">3<", "66.7%", ">4<", "75.0%"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("officer page lacks %q", want)
			}
		}
		for _, never := range []string{"态度恶劣", complaint.TrackingCode, "/console/tickets/" + itoa(complaint.ID)} {
			if strings.Contains(r.body, never) {
				t.Errorf("officer page shows %q of the conduct complaint", never)
			}
		}
		if list := dg.get("/console/officers"); !strings.Contains(list.body, `href="`+path+`"`) {
			t.Error("the station's officer list has no link to its officer")
		}
		bj := e.browser(t)
		bj.signIn("binjiang")
		if r := bj.get(path); r.status != http.StatusNotFound {
			t.Errorf("another station's officer: %d, want 404", r.status)
		}
		if r := bj.get("/console/officers/no-such-officer"); r.status != http.StatusNotFound {
			t.Errorf("unknown officer: %d, want 404", r.status)
		}
	})
}

func TestConsoleRoutingQualityPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		handler, err := org.AccountByName(context.Background(), db, "dongguan")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Act(context.Background(), workflow.Command{TicketID: s.dongguan.ID, Actor: handler.Actor(),
			Action: ticket.ActReturn, Input: ticket.Input{Reason: "不属于本所辖区"}})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		b.signIn("centre1")
		r := b.get("/console/routing")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if !strings.Contains(r.body, `id="returns">1<`) || !strings.Contains(r.body, "东关派出所") {
			t.Fatalf("the page does not show the return by 东关派出所:\n%.600s", r.body)
		}
		if !strings.Contains(r.body, "<td>规则“") || strings.Contains(r.body, "<td>rule:") {
			t.Errorf("the page does not name the routing rule in Chinese:\n%s", r.body)
		}
		station := e.browser(t)
		station.signIn("dongguan")
		if r := station.get("/console/routing"); r.status != http.StatusForbidden {
			t.Fatalf("a station handler opened the routing-quality page: %d", r.status)
		}
	})
}

func TestConsoleReviewShowsReplyHints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		handler, err := org.AccountByName(context.Background(), db, "dongguan")
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			act ticket.Action
			in  ticket.Input
		}{{ticket.ActAccept, ticket.Input{}}, {ticket.ActReply, ticket.Input{Reply: "已处理。"}}} {
			_, err := e.svc.Act(context.Background(), workflow.Command{TicketID: s.dongguan.ID, Actor: handler.Actor(),
				Action: step.act, Input: step.in})
			if err != nil {
				t.Fatal(err)
			}
		}
		b := e.browser(t)
		b.signIn("centre1")
		r := b.get("/console/review")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if !strings.Contains(r.body, `class="hints"`) {
			t.Fatalf("a two-word reply shows no review hint:\n%.800s", r.body)
		}
	})
}

func TestConsoleOneClickMergeOfSuggestedDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		ctx := context.Background()
		if err := e.svc.SuggestDuplicate(ctx, s.triage.ID, s.dongguan.ID, 0.93, []string{"文字相似"}); err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		csrf := b.signIn("centre1")
		page := b.get("/console/tickets/" + itoa(s.triage.ID))
		if page.status != http.StatusOK || !strings.Contains(page.body, `id="duplicates"`) ||
			!strings.Contains(page.body, `name="into" value="`+itoa(s.dongguan.ID)+`"`) {
			t.Fatalf("the ticket page offers no merge into the suggested duplicate:\n%.800s", page.body)
		}
		r := b.post("/console/tickets/"+itoa(s.triage.ID)+"/merge", url.Values{"csrf_token": {csrf},
			"into": {itoa(s.dongguan.ID)}, "back": {"/console/tickets/" + itoa(s.triage.ID)}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("merge: %d\n%.400s", r.status, r.body)
		}
		d, err := e.svc.Get(ctx, ticket.System, s.triage.ID, "test")
		if err != nil || d.Ticket.State != ticket.Merged || d.Ticket.MergedInto != s.dongguan.ID {
			t.Fatalf("after merge: %+v, err %v", d.Ticket, err)
		}
	})
}

func TestConsoleTicketPageChannelAndReturnReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		handler, err := org.AccountByName(context.Background(), db, "dongguan")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Act(context.Background(), workflow.Command{TicketID: s.dongguan.ID, Actor: handler.Actor(),
			Action: ticket.ActReturn, Input: ticket.Input{Reason: "不属于本所辖区"}})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		b.signIn("centre1")
		path := "/console/tickets/" + itoa(s.dongguan.ID)
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("ticket page: %d", r.status)
		}
		if !strings.Contains(r.body, `<td id="channel">扫码</td>`) {
			t.Errorf("the channel row does not name the qr channel 扫码")
		}
		if !strings.Contains(r.body, `<td id="triage-reason">退单原因：不属于本所辖区</td>`) {
			t.Errorf("the triage reason row does not show the return reason in Chinese")
		}
		if strings.Contains(r.body, "returned: ") {
			t.Errorf("the page shows the untranslated prefix \"returned: \"")
		}
		r = b.get(path + "?lang=en")
		if r.status != http.StatusOK {
			t.Fatalf("English ticket page: %d", r.status)
		}
		if !strings.Contains(r.body, `<td id="triage-reason">Returned with reason: 不属于本所辖区</td>`) {
			t.Errorf("the English triage reason row does not read \"Returned with reason: …\"")
		}
	})
}

// TestTimelineTimesInProfileZone supervises a ticket with a deadline typed
// in Beijing time: the timeline shows it as typed, not in UTC as stored.
func TestTimelineTimesInProfileZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		centre := e.browser(t)
		csrf := centre.signIn("centre1")
		page := "/console/tickets/" + itoa(s.dongguan.ID)
		due := time.Now().In(shanghai(t)).AddDate(0, 0, 3).Format("2006-01-02") + "T18:00"
		r := centre.post(page+"/supervise", url.Values{"csrf_token": {csrf}, "due": {due}, "reason": {"测试"}, "back": {page}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("supervise: %d %.500s", r.status, r.body)
		}
		want := "<td>" + strings.Replace(due, "T", " ", 1) + "</td>"
		if body := centre.get(page).body; !strings.Contains(body, want) {
			t.Errorf("timeline lacks the deadline as typed, %s", want)
		}
	})
}

// shanghai returns the zone of the built-in profiles.
func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
