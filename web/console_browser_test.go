package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/evaluate"
	"minyi/org"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// tab is one signed-in browser tab on the console.
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	name  string
	shots string
}

// openTab signs in as name in a browser context of its own, so that two
// accounts can work side by side in one browser.
func openTab(t *testing.T, browser context.Context, e *authEnv, name string) *tab {
	t.Helper()
	if err := chromedp.Do(browser); err != nil { // starts the browser on first use
		t.Fatalf("start browser: %v", err)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: e.srv.URL, name: name, shots: screenshotDir(t)}
	tb.do("sign in: password",
		chromedp.Navigate(e.srv.URL+"/signin?next=/console"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS("#signin button")),
		chromedp.WaitVisible(chromedp.ID("code")))
	tb.do("sign in: code",
		chromedp.SendKeys(chromedp.ID("code"), e.code(t, name, 0)),
		chromedp.Click(chromedp.CSS("#code-form button")),
		chromedp.WaitVisible(chromedp.CSS("header.top nav")))
	return tb
}

func (b *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, step, err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// submit clicks a form's button and waits for the page that reports it done.
func (b *tab) submit(form string) {
	b.t.Helper()
	b.do("submit "+form, chromedp.Click(chromedp.CSS(form+" button")), chromedp.WaitVisible(chromedp.ID("done")))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.name, sel, err)
	}
	return s
}

func (b *tab) has(sel string) bool {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(sel)+`) !== null`))
	if err != nil {
		b.t.Fatalf("%s: query %s: %v", b.name, sel, err)
	}
	return found
}

func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, "console-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestConsoleBrowserWalk walks one ticket from triage to closed as centre
// staff and a station handler, through a return, a rejected reply and an
// unsatisfied call-back that reopens it.
func TestConsoleBrowserWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		browser := newBrowser(t)
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		id := itoa(s.triage.ID)
		row, f := "#t"+id, func(action string) string { return "#f-" + action + "-" + id }
		state := func() string {
			st, _ := ticketRow(t, db, s.triage.ID)
			return st
		}

		centre := openTab(t, browser, e, "centre1")
		handler := openTab(t, browser, e, "dongguan")

		// What each account sees: the centre's pages and the handler's are different sets.
		for _, c := range []struct {
			tab        *tab
			has, lacks []string
		}{
			{centre, []string{"/console/triage", "/console/review", "/console/supervision"}, []string{"/console/inbox"}},
			{handler, []string{"/console/inbox", "/console/officers"},
				[]string{"/console/triage", "/console/review", "/console/supervision"}},
		} {
			for _, href := range c.has {
				if !c.tab.has(`header nav a[href="` + href + `"]`) {
					t.Errorf("%s has no link to %s", c.tab.name, href)
				}
			}
			for _, href := range c.lacks {
				if c.tab.has(`header nav a[href="` + href + `"]`) {
					t.Errorf("%s has a link to %s", c.tab.name, href)
				}
			}
		}
		if !centre.has("#alerts") || handler.has("#alerts") {
			t.Error("the alert bar belongs on centre pages only")
		}

		// 1. The centre corrects the tag and dispatches from the triage queue.
		centre.open("/console/triage")
		if !centre.has(row + " details.explain pre") {
			t.Error("triage row has no router explanation")
		}
		centre.shot("1-triage")
		centre.do("dispatch form",
			chromedp.SetValue(chromedp.CSS(f("dispatch")+` select[name="tag"]`), "治安秩序"),
			chromedp.SetValue(chromedp.CSS(f("dispatch")+` select[name="unit"]`), "ps-dongguan"))
		centre.submit(f("dispatch"))
		if st := state(); st != "dispatched" {
			t.Fatalf("after dispatch: %s", st)
		}

		// 2. The station returns it with a reason; it goes back to triage.
		handler.open("/console/inbox")
		if !handler.has("#to-sign " + row) {
			t.Fatal("dispatched ticket is not in the station's to-sign list")
		}
		handler.shot("2-inbox")
		handler.do("return form", chromedp.Click(chromedp.CSS(row+" details.act-return summary")),
			chromedp.SendKeys(chromedp.CSS(f("return")+` input[name="reason"]`), "不属于本所辖区"))
		handler.submit(f("return"))
		if !handler.has("#returned " + row) {
			t.Error("returned ticket is not in the station's returned list")
		}
		centre.open("/console/triage")
		if note := centre.text(row + " .note"); !strings.Contains(note, "不属于本所辖区") {
			t.Errorf("triage row note %q lacks the return reason", note)
		}
		centre.do("dispatch again", chromedp.SetValue(chromedp.CSS(f("dispatch")+` select[name="unit"]`), "ps-dongguan"))
		centre.submit(f("dispatch"))

		// 3. The station signs for it and replies; the centre rejects the reply.
		handler.open("/console/inbox")
		handler.submit(f("accept"))
		reply := func(text string, rectified bool, files ...string) {
			handler.open("/console/inbox")
			handler.do("reply form", chromedp.Click(chromedp.CSS(row+" details.act-reply summary")),
				chromedp.SendKeys(chromedp.CSS(f("reply")+` textarea[name="reply"]`), text))
			if rectified {
				handler.do("rectified", chromedp.Click(chromedp.CSS(f("reply")+` input[name="needs_rectification"]`)),
					chromedp.Click(chromedp.CSS(f("reply")+` input[name="rectified"]`)))
			}
			if len(files) > 0 {
				handler.do("attach files", chromedp.SetUploadFiles(chromedp.CSS(f("reply")+` input[name="file"]`), files))
			}
			handler.submit(f("reply"))
		}
		reply("已上门了解情况。", false)
		centre.open("/console/review")
		if !centre.has("#review " + row) {
			t.Fatal("replied ticket is not in the review queue")
		}
		centre.shot("3-review")
		centre.do("reject comment", chromedp.SendKeys(chromedp.CSS(f("reject")+` input[name="reason"]`), "未说明处理结果"))
		centre.submit(f("reject"))
		if st := state(); st != "accepted" {
			t.Fatalf("after reject: %s", st)
		}
		handler.open("/console/inbox")
		if note := handler.text("#in-hand " + row + " .note.rejected"); !strings.Contains(note, "未说明处理结果") {
			t.Errorf("rejected note %q lacks the comment", note)
		}

		// 4. A second reply, with a photo as evidence, passes review; the
		// citizen is unsatisfied, which reopens it.
		photo := filepath.Join(t.TempDir(), "整改现场.jpg")
		if err := os.WriteFile(photo, exifJPEG(t), 0o600); err != nil {
			t.Fatal(err)
		}
		reply("已约谈噪声来源商户，已整改，夜间停止营业。", true, photo)
		centre.open("/console/tickets/" + id)
		if got := centre.text("#attachments"); !strings.Contains(got, "整改现场.jpg") {
			t.Errorf("the ticket page lists attachments %q, want the reply's photo", got)
		}
		centre.open("/console/review")
		centre.submit(f("approve"))
		callback := func(outcome, note string) {
			centre.open("/console/review")
			centre.do("call-back form", chromedp.Click(chromedp.CSS(f("callback")+` input[value="`+outcome+`"]`)),
				chromedp.SendKeys(chromedp.CSS(f("callback")+` input[name="reason"]`), note))
			centre.submit(f("callback"))
		}
		callback("unsatisfied", "群众表示夜间仍有噪音")
		if st := state(); st != "dispatched" {
			t.Fatalf("after the unsatisfied call-back the ticket is %s, want dispatched again", st)
		}

		// 5. Handled again, passed, called back satisfied: closed.
		handler.open("/console/inbox")
		handler.submit(f("accept"))
		reply("再次核查，商户已安装隔音设施。", true)
		centre.open("/console/review")
		centre.submit(f("approve"))
		callback("satisfied", "群众满意")
		if st := state(); st != "closed" {
			t.Fatalf("after the satisfied call-back: %s", st)
		}

		// The ticket page shows the whole loop and offers the handler nothing more.
		centre.open("/console/tickets/" + id)
		centre.shot("4-ticket-closed")
		for _, ev := range []string{"retag", "dispatch", "return", "accept", "reply", "reject", "approve",
			"callback", "close"} {
			if !centre.has("#timeline li.ev-" + ev) {
				t.Errorf("timeline lacks a %s step", ev)
			}
		}
		if got := centre.text("#ticket .state"); got != "已结案" {
			t.Errorf("state label %q", got)
		}
		handler.open("/console/tickets/" + id)
		if handler.has("#actions form") {
			t.Error("the handler is offered an action on a closed ticket")
		}
		centre.open("/console/supervision")
		centre.shot("5-supervision")

		// The officer page, with a few ratings to show.
		prof, _ := profile.Load("police")
		var officer profile.Officer
		for _, o := range prof.Officers {
			if o.Unit == "ps-dongguan" {
				officer = o
				break
			}
		}
		for _, r := range []evaluate.Rating{evaluate.Satisfied, evaluate.Satisfied, evaluate.BasicSatisfied} {
			if _, err := evaluate.Record(context.Background(), db, evaluate.Evaluation{Kind: evaluate.KindRating,
				OfficerID: officer.ID, UnitID: "ps-dongguan", UnitPath: prof.UnitPath("ps-dongguan"), Rating: r},
				evaluate.RecordOptions{Now: e.clock.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		handler.open("/console/officers/" + officer.ID)
		if !handler.has("#series") {
			t.Error("officer page has no monthly table")
		}
		handler.shot("7-officer")
		centre.open("/console/triage?lang=en")
		if h := centre.text("main h1"); h != "Triage queue" {
			t.Errorf("English title %q", h)
		}
		centre.open("/console/triage?lang=zh")

		// A station handler's direct link to another station's ticket is a 404 page.
		resp, err := chromedp.Run(handler.ctx, chromedp.NavigateResponse(e.srv.URL+"/console/tickets/"+itoa(s.binjiang.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusNotFound {
			t.Errorf("other station's ticket: %d", resp.Status)
		}
	})
}

// TestConsoleBrowserUrgentAlert creates an urgent ticket through the API
// while a centre page is open and waits at most 5 seconds for its alert.
func TestConsoleBrowserUrgentAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		browser := newBrowser(t)
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		token, err := org.IssueToken(ctx, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}
		centre := openTab(t, browser, e, "centre1")
		centre.open("/console/review")
		if centre.has("#alert-list li") {
			t.Fatal("alerts before any urgent ticket")
		}

		body, _ := json.Marshal(map[string]string{"channel": "12345", "body": "救命，楼道里有人持刀，电话13912345678"})
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/items", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var created struct {
			ID     int64 `json:"id"`
			Urgent bool  `json:"urgent"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&created)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || !created.Urgent {
			t.Fatalf("create: %d, urgent %v", resp.StatusCode, created.Urgent)
		}
		item := `#alert-list li[data-id="` + itoa(created.ID) + `"]`
		wait, cancel := context.WithTimeout(centre.ctx, 5*time.Second)
		defer cancel()
		if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(item))); err != nil {
			t.Fatalf("no alert within 5 s: %v", err)
		}
		t.Logf("alert shown %v after the API call", time.Since(start).Round(10*time.Millisecond))
		centre.shot("6-urgent-alert")
		if strings.Contains(centre.text("#alerts"), "13912345678") {
			t.Error("the alert shows the phone number")
		}

		centre.do("acknowledge", chromedp.Click(chromedp.CSS(item+" button")), chromedp.WaitVisible(chromedp.ID("done")))
		if centre.has(item) {
			t.Error("the alert stays after acknowledgement")
		}
		var who string
		err = db.QueryRowContext(ctx, `SELECT actor_name FROM urgent_acks WHERE ticket_id = ?`, created.ID).Scan(&who)
		if err != nil {
			t.Fatalf("acknowledgement not stored: %v", err)
		}
		if who != "中心坐席一" {
			t.Errorf("acknowledged by %q", who)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND action = ?`,
			created.ID, string(workflow.ActAcknowledgeUrgent)).Scan(&n); err != nil || n != 1 {
			t.Errorf("acknowledgement events: %d, %v", n, err)
		}
	})
}
