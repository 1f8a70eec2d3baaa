package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
)

const citizenChromium = "/usr/bin/chromium"

// citizenBrowser starts headless Chromium with a fresh profile at a phone's
// viewport (390×844), or skips the test when Chromium is absent, unless
// MINYI_TEST_REQUIRE_BROWSER is set.
func citizenBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(citizenChromium); err != nil {
		if os.Getenv("MINYI_TEST_REQUIRE_BROWSER") != "" {
			t.Fatalf("MINYI_TEST_REQUIRE_BROWSER is set but %s is missing: apt-get install chromium fonts-noto-cjk", citizenChromium)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium fonts-noto-cjk)", citizenChromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(citizenChromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch,
		chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// citizenShots returns the folder for screenshots: $MINYI_ARTIFACTS/citizen
// when set, else a temporary folder.
func citizenShots(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("MINYI_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "citizen")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves a full-page PNG screenshot as NAME.png.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// step runs browser actions with a time limit, so a missing element fails
// the test instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func TestBrowserCitizenComplaintToRating(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := citizenBrowser(t)
		shots := citizenShots(t)
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		photo := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(photo, orientedJPEG(t, 6), 0o644); err != nil {
			t.Fatal(err)
		}
		phone := fakePhone()
		last4 := phone[len(phone)-4:]

		step(t, ctx, "open the code", chromedp.Navigate(e.srv.URL+"/c/"+e.code.ID), chromedp.WaitVisible(chromedp.CSS("#owner")))
		shoot(t, ctx, shots, "01-landing")
		step(t, ctx, "choose 投诉", chromedp.Click(chromedp.CSS("#choice-complaint")), chromedp.WaitVisible(chromedp.CSS("#submission")))
		step(t, ctx, "fill the form",
			chromedp.Click(chromedp.CSS(`input[name=about][value=other]`)),
			chromedp.SendKeys(chromedp.CSS("#body"), "东关大街夜间施工，噪音很大，影响休息。"),
			chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
			chromedp.SendKeys(chromedp.CSS("#address"), "东关大街 12 号"),
			chromedp.SendKeys(chromedp.CSS("#phone"), phone),
			chromedp.Click(chromedp.CSS(`input[name=consent]`)))
		shoot(t, ctx, shots, "02-form")
		step(t, ctx, "send", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
		shoot(t, ctx, shots, "03-receipt")
		code := strings.TrimSpace(text(t, ctx, "#tracking-code"))
		d, err := e.svc.ByTrackingCode(context.Background(), code)
		if err != nil {
			t.Fatalf("ticket of receipt %q: %v", code, err)
		}
		if photos, _ := e.svc.TicketPhotos(context.Background(), d.Ticket.ID); len(photos) != 1 {
			t.Fatalf("ticket has %d photos, want 1", len(photos))
		}

		step(t, ctx, "open progress", chromedp.Click(chromedp.CSS("#to-progress")), chromedp.WaitVisible(chromedp.CSS("#last4")),
			chromedp.SendKeys(chromedp.CSS("#last4"), last4), chromedp.Click(chromedp.CSS("#lookup-send")),
			chromedp.WaitVisible(chromedp.CSS("#timeline")))
		shoot(t, ctx, shots, "04-progress")
		if s := text(t, ctx, "#timeline"); !strings.Contains(s, "已受理") || !strings.Contains(s, "已派至东关派出所") {
			t.Fatalf("timeline = %q", s)
		}

		handleTicket(t, e, d.Ticket.ID, "已责令施工方晚上十点后停工。")
		step(t, ctx, "reload progress", chromedp.Navigate(e.srv.URL+"/p?code="+code), chromedp.WaitVisible(chromedp.CSS("#last4")),
			chromedp.SendKeys(chromedp.CSS("#last4"), last4), chromedp.Click(chromedp.CSS("#lookup-send")),
			chromedp.WaitVisible(chromedp.CSS("#reply")))
		shoot(t, ctx, shots, "05-reply")
		if s := text(t, ctx, "#reply"); !strings.Contains(s, "晚上十点后停工") {
			t.Fatalf("reply = %q", s)
		}
		step(t, ctx, "rate 满意", chromedp.Click(chromedp.CSS(`input[name=outcome][value=satisfied]`)),
			chromedp.SendKeys(chromedp.CSS("#comment"), "处理及时"), chromedp.Click(chromedp.CSS("#rate-send")),
			chromedp.WaitVisible(chromedp.CSS("#progress-notice")))
		shoot(t, ctx, shots, "06-rated")
		d, _ = e.svc.ByTrackingCode(context.Background(), code)
		if d.Ticket.State != ticket.Closed || d.Ticket.CallbackResult != ticket.Satisfied {
			t.Fatalf("after rating: state %s, result %s", d.Ticket.State, d.Ticket.CallbackResult)
		}
	})
}

func TestBrowserOfficerRatingToComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := citizenBrowser(t)
		shots := citizenShots(t)
		e := newCitizenEnv(t, db, web.CitizenOptions{})

		step(t, ctx, "open the officer's code", chromedp.Navigate(e.srv.URL+"/c/"+e.code.ID),
			chromedp.WaitVisible(chromedp.CSS("#owner")))
		if s := text(t, ctx, "#owner"); !strings.Contains(s, "警号 124153") {
			t.Fatalf("owner = %q", s)
		}
		step(t, ctx, "choose 评价服务", chromedp.Click(chromedp.CSS("#choice-rate")), chromedp.WaitVisible(chromedp.CSS("#rate")))
		step(t, ctx, "rate 不满意", chromedp.Click(chromedp.CSS(`input[name=rating][value=unsatisfied]`)),
			chromedp.SendKeys(chromedp.CSS("#comment"), "态度生硬，不听解释"))
		shoot(t, ctx, shots, "11-officer-rate")
		step(t, ctx, "send the rating", chromedp.Click(chromedp.CSS("#rate-send")), chromedp.WaitVisible(chromedp.CSS("#to-complaint")))
		shoot(t, ctx, shots, "12-offer-complaint")
		step(t, ctx, "turn into a complaint", chromedp.SendKeys(chromedp.CSS("#phone"), fakePhone()),
			chromedp.Click(chromedp.CSS(`#to-complaint input[name=consent]`)), chromedp.Click(chromedp.CSS("#complaint-send")),
			chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
		shoot(t, ctx, shots, "13-complaint-receipt")
		code := strings.TrimSpace(text(t, ctx, "#tracking-code"))
		d, err := e.svc.ByTrackingCode(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.UnitID != e.prof.DisciplineUnit || d.Ticket.OfficerID != "o001" {
			t.Fatalf("complaint went to %q about %q", d.Ticket.UnitID, d.Ticket.OfficerID)
		}
		if !strings.Contains(d.Ticket.Body, "态度生硬") {
			t.Fatalf("complaint body = %q", d.Ticket.Body)
		}
	})
}
