package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// TestBrowserTooManyBackKeepsText checks what a plain HTTP test cannot: the
// 429 page's back button returns to the code's form with the text the
// citizen typed still in it.
func TestBrowserTooManyBackKeepsText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := citizenBrowser(t)
		limits := web.DefaultCitizenLimits
		limits.PerDevice = web.Rate{Burst: 0, PerHour: 1} // every post is over the limit
		e := newCitizenEnv(t, db, web.CitizenOptions{Limits: limits})
		typed := "东关大街路灯坏了三天，晚上很黑。"
		formURL := e.srv.URL + "/c/" + e.code.ID + "/form?kind=suggestion"

		step(t, ctx, "open the code", chromedp.Navigate(e.srv.URL+"/c/"+e.code.ID), chromedp.WaitVisible(chromedp.CSS("#owner")))
		step(t, ctx, "choose 建议", chromedp.Click(chromedp.CSS("#choice-suggestion")), chromedp.WaitVisible(chromedp.CSS("#submission")))
		step(t, ctx, "fill the form", chromedp.SendKeys(chromedp.CSS("#body"), typed),
			chromedp.Click(chromedp.CSS(`input[name=consent]`)))
		step(t, ctx, "send", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS("#message-link")))
		if s := text(t, ctx, "h1"); !strings.Contains(s, "操作太频繁") {
			t.Fatalf("page after sending: heading %q, want 操作太频繁", s)
		}
		step(t, ctx, "go back", chromedp.Click(chromedp.CSS("#message-link")), chromedp.WaitVisible(chromedp.CSS("#submission")))

		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		loc, err := chromedp.Run(sctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if loc != formURL {
			t.Errorf("back at %s, want the code's form %s", loc, formURL)
		}
		body, err := chromedp.Run(sctx, chromedp.Value(chromedp.CSS("#body")))
		if err != nil {
			t.Fatal(err)
		}
		if body != typed {
			t.Errorf("text after going back = %q, want the typed %q", body, typed)
		}
	})
}
