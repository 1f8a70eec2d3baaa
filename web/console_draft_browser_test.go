package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/store"
	"minyi/store/storetest"
)

// signInAgain fills the sign-in page that the tab shows and waits for the
// console page it returns to. It waits for the console's navigation, which
// the sign-in pages lack, so that it does not stop on the code page.
func (b *tab) signInAgain(e *authEnv) {
	b.t.Helper()
	b.do("sign in again: password",
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), b.name),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS("#signin button")),
		chromedp.WaitVisible(chromedp.ID("code")))
	b.do("sign in again: code",
		chromedp.SendKeys(chromedp.ID("code"), e.code(b.t, b.name, 0)),
		chromedp.Click(chromedp.CSS("#code-form button")),
		chromedp.WaitVisible(chromedp.CSS("header.top nav")))
}

func (b *tab) eval(what, expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
	return s
}

// storedDrafts returns the tab's sessionStorage as "key=value" lines.
const storedDrafts = `(function () { var out = []; for (var i = 0; i < sessionStorage.length; i++) {
  var k = sessionStorage.key(i); out.push(k + '=' + sessionStorage.getItem(k)); } return out.join('\n'); }())`

// TestConsoleDraftSurvivesSignIn types a reply in the inbox, lets the session
// end, sends the form, signs in again and finds the reply in the form of the
// ticket page. Sending it then removes the draft from every page. No password
// or sign-in code is ever stored.
func TestConsoleDraftSurvivesSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		browser := newBrowser(t)
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		id := itoa(s.dongguan.ID)
		ticketPage := "/console/tickets/" + id
		replyForm := "#f-reply-" + id
		replyBox := replyForm + ` textarea[name="reply"]`
		const text = "已上门核实，噪声源已停止施工。"

		// The handler types the reply in the inbox. The sign-in returns to
		// the ticket page, whose reply form is the same form.
		handler := openTab(t, browser, e, "dongguan")
		handler.open(ticketPage)
		handler.submit("#f-accept-" + id)
		handler.open("/console/inbox")
		handler.do("type the reply", chromedp.Click(chromedp.CSS("#t"+id+" .act-reply summary")),
			chromedp.SendKeys(chromedp.CSS(replyBox), text))

		e.clock.Add(31 * time.Minute) // the session ends while the handler types
		handler.do("send the reply", chromedp.Click(chromedp.CSS(replyForm+" button")),
			chromedp.WaitVisible(chromedp.ID("name")))
		loc, err := url.Parse(handler.eval("location", "location.href"))
		if err != nil || loc.Path != "/signin" || loc.Query().Get("next") != ticketPage {
			t.Fatalf("after sending with an ended session: at %s, want /signin?next=%s", loc, ticketPage)
		}
		handler.signInAgain(e)
		if got := handler.eval("path", "location.pathname"); got != ticketPage {
			t.Fatalf("after signing in again: at %s, want %s", got, ticketPage)
		}
		if got := handler.eval("reply box", `document.querySelector(`+jsString(replyBox)+`).value`); got != text {
			t.Errorf("reply box after signing in again: %q, want %q", got, text)
		}
		if handler.eval("details", `String(document.querySelector(".act-reply").open)`) != "true" {
			t.Error("the reply form with a restored draft is folded")
		}
		stored := handler.eval("sessionStorage", storedDrafts)
		for _, secret := range []string{testPassword, "csrf"} {
			if strings.Contains(stored, secret) {
				t.Errorf("sessionStorage contains %q:\n%s", secret, stored)
			}
		}
		for _, line := range strings.Split(stored, "\n") {
			key, _, _ := strings.Cut(line, "=")
			if key != "minyi.draft.pending" && !strings.HasSuffix(key, "|f-reply-"+id+"|reply") {
				t.Errorf("sessionStorage has a key other than the reply draft: %q", key)
			}
		}

		handler.submit(replyForm)
		if stored := handler.eval("sessionStorage", storedDrafts); strings.Contains(stored, "minyi.draft") {
			t.Errorf("sessionStorage after the reply succeeded:\n%s", stored)
		}
	})
}

// TestConsoleAlertPollSignsOut leaves a centre page open past the idle
// time-out and checks that the alert poll takes the browser to the sign-in
// page, which returns to the page.
func TestConsoleAlertPollSignsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		browser := newBrowser(t)
		e := newConsoleEnv(t, db)
		centre := openTab(t, browser, e, "centre1")
		centre.open("/console/review")
		e.clock.Add(31 * time.Minute)
		centre.do("wait for the sign-in page", chromedp.WaitVisible(chromedp.ID("name")))
		loc, err := url.Parse(centre.eval("location", "location.href"))
		if err != nil || loc.Path != "/signin" || loc.Query().Get("next") != "/console/review" {
			t.Fatalf("after the idle time-out: at %s, want /signin?next=/console/review", loc)
		}
		centre.signInAgain(e)
		if got := centre.eval("path", "location.pathname"); got != "/console/review" {
			t.Errorf("after signing in again: at %s, want /console/review; page:\n%s", got,
				centre.eval("page", "document.body.innerText"))
		}
	})
}
