package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func TestTagExplanationShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAPI(t, db)
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/tickets/" + itoa(tk.ID)
		code, got := e.do(t, "centre1", "GET", path, nil)
		if code != http.StatusOK {
			t.Fatalf("read: %d %v", code, got)
		}
		feats, _ := got["tag_explain"].([]any)
		if len(feats) != 2 || feats[0].(map[string]any)["text"] != "噪音" || feats[0].(map[string]any)["weight"] != 0.5 {
			t.Fatalf("tag_explain = %v, want 噪音 (0.5) and 夜间", got["tag_explain"])
		}
		centre, err := org.AccountByName(ctx, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Retag(ctx, centre.Actor(), tk.ID, "治安秩序"); err != nil {
			t.Fatal(err)
		}
		if _, got := e.do(t, "centre1", "GET", path, nil); got["tag_explain"] != nil {
			t.Errorf("tag_explain after staff retagged = %v, want none", got["tag_explain"])
		}
	})
}

func TestTagExplanationOnConsolePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		b := e.browser(t)
		b.signIn("centre1")
		r := b.get("/console/tickets/" + itoa(s.dongguan.ID))
		code, page := r.status, r.body
		if code != http.StatusOK {
			t.Fatalf("ticket page: %d", code)
		}
		i := strings.Index(page, `id="tag-explain"`)
		if i < 0 || !strings.Contains(page[i:], "噪音</span>、<span") {
			t.Fatalf("ticket page has no explanation row with 噪音 first")
		}
		if strings.Contains(page, "explain_features") {
			t.Errorf("the timeline shows the raw explain_features detail")
		}
	})
}
