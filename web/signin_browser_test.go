package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/org"
	"minyi/store/storetest"
	"minyi/web"
)

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fresh profile, or skips the test
// when Chromium is absent, unless MINYI_TEST_REQUIRE_BROWSER is set.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("MINYI_TEST_REQUIRE_BROWSER") != "" {
			t.Fatalf("MINYI_TEST_REQUIRE_BROWSER is set but %s is missing: apt-get install chromium fonts-noto-cjk", chromiumPath)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium fonts-noto-cjk)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// screenshotDir is $MINYI_ARTIFACTS/screenshots when set, else a temporary folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("MINYI_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBrowserSignIn(t *testing.T) {
	ctx := newBrowser(t)
	db := storetest.SQLite(t)
	policy := org.Throttle{Free: 2, BaseDelay: time.Second, MaxDelay: 4 * time.Second, LockAfter: 4,
		LockFor: 15 * time.Minute, Window: time.Hour}
	e := newAuthEnv(t, db, web.AuthOptions{AccountThrottle: &policy}, "dongguan", "binjiang")
	shots := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG, less gives JPEG
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, "signin-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	password := func(name, pw string) {
		t.Helper()
		do("password step as "+name,
			chromedp.Navigate(e.srv.URL+"/signin"),
			chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.CSS("#signin button")))
	}

	password("dongguan", testPassword)
	do("code page", chromedp.WaitVisible(chromedp.ID("code")))
	shot("1-code")
	right := e.code(t, "dongguan", 0)
	wrong := "000000"
	if wrong == right {
		wrong = "111111"
	}
	do("wrong code",
		chromedp.SendKeys(chromedp.ID("code"), wrong),
		chromedp.Click(chromedp.CSS("#code-form button")),
		chromedp.WaitVisible(chromedp.ID("error")))
	if msg := text("#error"); !strings.Contains(msg, "验证码错误") {
		t.Fatalf("wrong code message: %q", msg)
	}
	shot("2-wrong-code")
	do("right code",
		chromedp.SendKeys(chromedp.ID("code"), right),
		chromedp.Click(chromedp.CSS("#code-form button")),
		chromedp.WaitVisible(chromedp.ID("account-name")))
	if who := text("#account-name"); !strings.Contains(who, "东关派出所值班") {
		t.Fatalf("signed in as %q", who)
	}
	shot("3-signed-in")
	do("sign out", chromedp.Click(chromedp.CSS("#signout button")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	shot("4-signed-out")
	do("account after sign-out", chromedp.Navigate(e.srv.URL+"/account"), chromedp.WaitVisible(chromedp.ID("signin")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/signin?next=") {
		t.Fatalf("after sign-out /account went to %s", loc)
	}

	// Four wrong passwords lock binjiang; then even the right one is refused.
	for i := 0; i < 4; i++ {
		e.clock.Add(time.Minute) // past each growing delay
		password("binjiang", "wrong-password")
		do("wrong password", chromedp.WaitVisible(chromedp.ID("error")))
	}
	e.clock.Add(time.Minute)
	password("binjiang", testPassword)
	do("locked", chromedp.WaitVisible(chromedp.ID("error")))
	if msg := text("#error"); !strings.Contains(msg, "锁定") {
		t.Fatalf("after four failures: %q", msg)
	}
	shot("5-locked")
	do("English", chromedp.Navigate(e.srv.URL+"/signin?lang=en"), chromedp.WaitVisible(chromedp.ID("signin")))
	if h := text("h1"); h != "Staff sign-in" {
		t.Fatalf("English heading %q", h)
	}
	shot("6-english")
}
