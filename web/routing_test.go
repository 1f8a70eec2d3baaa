package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestRoutingAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		ctx := context.Background()
		var ids []int64
		for range 3 {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Title: "锦绣花园小区楼上噪音",
				Body: "锦绣花园小区楼上每天深夜拖动家具，噪音很大", CodeUnit: "ps-dongguan"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		if st, body := e.do(t, "dongguan", "POST", "/api/tickets/"+itoa(ids[0])+"/return",
			map[string]any{"reason": "不在本所辖区"}); st != http.StatusOK {
			t.Fatalf("return: %d %v", st, body)
		}

		t.Run("quality by role", func(t *testing.T) {
			for account, want := range map[string]int{"centre1": 200, "leader": 200, "dongguan": 403, "auditor": 403} {
				st, body := e.do(t, account, "GET", "/api/routing/quality", nil)
				if st != want {
					t.Errorf("%s: status %d, want %d: %v", account, st, want, body)
				}
			}
		})
		t.Run("quality counts the return", func(t *testing.T) {
			st, body := e.do(t, "centre1", "GET", "/api/routing/quality", nil)
			if st != 200 || body["returns"] != float64(1) {
				t.Fatalf("status %d body %v, want 1 return", st, body)
			}
			units, _ := body["by_unit"].([]any)
			if len(units) == 0 || units[0].(map[string]any)["key"] != "ps-dongguan" {
				t.Errorf("by_unit = %v, want ps-dongguan first", units)
			}
		})
		t.Run("quality rejects a bad date", func(t *testing.T) {
			if st, _ := e.do(t, "centre1", "GET", "/api/routing/quality?from=yesterday", nil); st != 400 {
				t.Errorf("status %d, want 400", st)
			}
		})
		t.Run("hot issues", func(t *testing.T) {
			st, body := e.do(t, "centre1", "GET", "/api/hot?days=7", nil)
			if st != 200 || body["items"] != float64(3) {
				t.Fatalf("status %d body %v, want 3 items", st, body)
			}
			if st, _ := e.do(t, "dongguan", "GET", "/api/hot", nil); st != 403 {
				t.Errorf("handler status %d, want 403", st)
			}
		})
		t.Run("merge, duplicates and unmerge", func(t *testing.T) {
			if err := e.svc.SuggestDuplicate(ctx, ids[2], ids[1], 0.99, []string{"text 99% alike"}); err != nil {
				t.Fatal(err)
			}
			st, body := e.do(t, "centre1", "GET", "/api/tickets/"+itoa(ids[2])+"/duplicates", nil)
			sg, _ := body["suggestions"].([]any)
			if st != 200 || len(sg) != 1 {
				t.Fatalf("duplicates: %d %v", st, body)
			}
			if st, body := e.do(t, "centre1", "POST", "/api/tickets/"+itoa(ids[2])+"/merge",
				map[string]any{"into": ids[1]}); st != 200 {
				t.Fatalf("merge: %d %v", st, body)
			}
			if st, _ := e.do(t, "dongguan", "POST", "/api/tickets/"+itoa(ids[2])+"/unmerge",
				map[string]any{"reason": "x"}); st != 403 {
				t.Errorf("handler unmerge: status %d, want 403", st)
			}
			st, body = e.do(t, "centre1", "POST", "/api/tickets/"+itoa(ids[2])+"/unmerge",
				map[string]any{"reason": "不是同一件事"})
			if st != 200 || body["state"] != string(ticket.Dispatched) {
				t.Fatalf("unmerge: %d %v", st, body)
			}
		})
		t.Run("review hints", func(t *testing.T) {
			id := itoa(ids[1])
			if st, body := e.do(t, "centre1", "GET", "/api/tickets/"+id+"/review-hints", nil); st != 400 {
				t.Errorf("without a reply: %d %v, want 400", st, body)
			}
			for _, step := range []struct{ act, body string }{{"accept", `{}`}, {"reply", ""}} {
				var in any = map[string]any{}
				if step.act == "reply" {
					in = map[string]any{"reply": "您好，您的留言已收悉，感谢您的支持！"}
				}
				if st, body := e.do(t, "dongguan", "POST", "/api/tickets/"+id+"/"+step.act, in); st != 200 {
					t.Fatalf("%s: %d %v", step.act, st, body)
				}
			}
			st, body := e.do(t, "centre1", "GET", "/api/tickets/"+id+"/review-hints", nil)
			fired, _ := body["fired"].([]any)
			if st != 200 || len(fired) == 0 {
				t.Fatalf("review hints: %d %v, want hints for a form reply", st, body)
			}
		})
	})
}

// TestDismissDuplicate dismisses a duplicate suggestion from the ticket page
// as centre staff: the page stops offering the merge, the timeline records
// the step, and a second dismissal, a station's and one through the API for
// an unknown suggestion are refused.
func TestDismissDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		submit := func(body string) *ticket.Ticket {
			t.Helper()
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: body})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		older, newer := submit("锦绣花园门口夜间烧烤噪音"), submit("锦绣花园门口烧烤噪音很大")
		if err := e.svc.SuggestDuplicate(ctx, newer.ID, older.ID, 0.9, []string{"text 90% alike"}); err != nil {
			t.Fatal(err)
		}
		page := "/console/tickets/" + itoa(newer.ID)
		centre := e.browser(t)
		centre.signIn("centre1")
		before := centre.get(page)
		if !strings.Contains(before.body, `action="/console/tickets/`+itoa(newer.ID)+`/dismiss-duplicate"`) {
			t.Fatalf("ticket page offers no 不是重复 button:\n%.2000s", before.body)
		}
		csrf := formToken(t, before.body)
		form := url.Values{"csrf_token": {csrf}, "duplicate_of": {itoa(older.ID)}, "back": {page}}
		if r := centre.post(page+"/dismiss-duplicate", form); r.status != http.StatusSeeOther {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		after := centre.get(page)
		if strings.Contains(after.body, "/merge\"") && strings.Contains(after.body, `name="into" value="`+itoa(older.ID)+`"`) {
			t.Errorf("page still offers the merge into #%d after the dismissal", older.ID)
		}
		if !strings.Contains(after.body, "<b>不是重复</b>") {
			t.Errorf("timeline lacks the dismissal")
		}
		if r := centre.post(page+"/dismiss-duplicate", form); r.status != http.StatusBadRequest {
			t.Errorf("second dismissal: %d, want 400", r.status)
		}
		sg, err := e.svc.Suggestions(ctx, newer.ID)
		if err != nil || len(sg) != 1 || sg[0].Status != "dismissed" {
			t.Errorf("suggestions = %+v (%v), want one dismissed", sg, err)
		}

		station := e.browser(t)
		stationCSRF := station.signIn("dongguan")
		if r := station.post(page+"/dismiss-duplicate", url.Values{"csrf_token": {stationCSRF},
			"duplicate_of": {itoa(older.ID)}}); r.status != http.StatusForbidden {
			t.Errorf("station dismisses: %d, want 403", r.status)
		}
	})
}
