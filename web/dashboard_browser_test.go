package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"minyi/store/storetest"
)

// TestBrowserDashboard renders the dashboard of a generated demo city in
// Chromium, checks that every figure the browser shows equals kpi.Compute
// (what `minyi kpi --json` prints) for the same range, that the four charts
// were drawn, and saves a screenshot.
func TestBrowserDashboard(t *testing.T) {
	ctx := newBrowser(t)
	e := newDemoCity(t, storetest.SQLite(t), 300)
	loc := e.svc.Profile().Location
	from, to := time.Date(2026, 11, 5, 0, 0, 0, 0, loc), time.Date(2026, 12, 4, 0, 0, 0, 0, loc)

	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "minyi_session",
		Value: e.sessions["centre1"], URL: e.srv.URL}); err != nil {
		t.Fatalf("set session cookie: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1600, 900),
		chromedp.Navigate(e.srv.URL+"/dashboard?from=2026-11-05&to=2026-12-04")); err != nil {
		t.Fatalf("open dashboard: %v", err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.getAttribute("data-charts") === "4"`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || !drawn {
		title, _ := chromedp.Run(ctx, chromedp.Title())
		t.Fatalf("charts not drawn on page %q: %v", title, err)
	}
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chart canvas").length`))
	if err != nil {
		t.Fatal(err)
	}
	if canvases < 4 {
		t.Errorf("%d chart canvases, want at least 4", canvases)
	}

	table, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("#kpi")))
	if err != nil {
		t.Fatalf("read KPI table: %v", err)
	}
	if n := checkDashboardFigures(t, e, table, "", from, to); n != 33 {
		t.Errorf("%d figures, want 11 KPIs for 3 periods", n)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(screenshotDir(t), "dashboard.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
