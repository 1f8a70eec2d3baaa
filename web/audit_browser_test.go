package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyi/store/storetest"
	"minyi/workflow"
)

// TestBrowserAuditPages signs in as the auditor, who lands on the audit
// page, looks up who read a ticket, and switches the list to English. It runs on
// SQLite only, because the pages do not differ by database.
func TestBrowserAuditPages(t *testing.T) {
	browser := newBrowser(t)
	db := storetest.SQLite(t)
	e := newAuditEnv(t, db, "auditor", "centre1")
	tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "夜间噪音扰民",
		CodeUnit: "ps-dongguan"})
	if err != nil {
		t.Fatal(err)
	}
	centre := e.browser(t)
	centre.signIn("centre1")
	if r := centre.get("/api/tickets/" + itoa(tk.ID) + "?purpose=handling"); r.status != http.StatusOK {
		t.Fatalf("centre read: %d", r.status)
	}
	if _, err := e.log.Checkpoint(context.Background(), db); err != nil {
		t.Fatal(err)
	}

	auditor := openTab(t, browser, e.authEnv, "auditor")
	auditor.do("land on the audit page", chromedp.WaitVisible(chromedp.ID("checkpoint")))
	if got := auditor.text("header.top nav"); !strings.Contains(got, "访问日志审计") {
		t.Errorf("auditor navigation %q lacks the audit page", got)
	}
	auditor.shot("audit-home")
	auditor.do("ask who read the ticket",
		chromedp.SendKeys(chromedp.CSS("#q-ticket input[name=id]"), itoa(tk.ID)),
		chromedp.Click(chromedp.CSS("#q-ticket button")),
		chromedp.WaitVisible(chromedp.ID("records")))
	rows := auditor.text("#records tbody")
	if !strings.Contains(rows, "centre1") || !strings.Contains(rows, "查看工单") || !strings.Contains(rows, "handling") {
		t.Errorf("ticket list lacks the centre's read:\n%s", rows)
	}
	auditor.shot("audit-ticket")
	if !auditor.has("#xlsx") {
		t.Error("the list has no spreadsheet link")
	}
	// The layout's language link keeps the path but not the query, so the
	// English page shows the empty ticket form again.
	auditor.do("switch to English", chromedp.Click(chromedp.CSS("a.lang")), chromedp.WaitVisible(chromedp.ID("incomplete")))
	if got := auditor.text("main h1"); got != "Who accessed a ticket" {
		t.Errorf("English title %q", got)
	}
	auditor.do("ask again in English",
		chromedp.SendKeys(chromedp.CSS("#q-ticket input[name=id]"), itoa(tk.ID)),
		chromedp.Click(chromedp.CSS("#q-ticket button")),
		chromedp.WaitVisible(chromedp.ID("records")))
	if rows := auditor.text("#records tbody"); !strings.Contains(rows, "ticket read") {
		t.Errorf("English list lacks the action name:\n%s", rows)
	}
	auditor.shot("audit-ticket-en")
}
