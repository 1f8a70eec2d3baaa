package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/classify"
	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// TestConsoleRekind changes a ticket's kind through the form of its page as
// centre staff, and checks the page, the timeline and that a unit's handler
// gets neither the form nor the change.
func TestConsoleRekind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", CodeUnit: "ps-dongguan", Kind: "投诉",
			Body: "建议小区门口夜间加强巡逻"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != ticket.Dispatched || tk.UnitID != "ps-dongguan" {
			t.Fatalf("seed ticket: state %s unit %q", tk.State, tk.UnitID)
		}
		page := "/console/tickets/" + itoa(tk.ID)
		formID := `id="f-kind-` + itoa(tk.ID) + `"`

		handler := e.browser(t)
		handlerCSRF := handler.signIn("dongguan")
		if r := handler.get(page); r.status != http.StatusOK || strings.Contains(r.body, formID) {
			t.Errorf("handler's ticket page: status %d, kind form shown %v", r.status, strings.Contains(r.body, formID))
		}
		r := handler.post(page+"/kind", url.Values{"csrf_token": {handlerCSRF}, "kind": {"建议"}})
		if r.status != http.StatusForbidden {
			t.Errorf("handler changes the kind: %d, want 403", r.status)
		}

		centre := e.browser(t)
		centre.signIn("centre1")
		before := centre.get(page)
		if !strings.Contains(before.body, formID) {
			t.Fatalf("centre's ticket page has no kind form:\n%s", before.body)
		}
		if !strings.Contains(before.body, `<option value="投诉" selected>投诉</option>`) {
			t.Errorf("kind form does not preselect the current kind 投诉")
		}
		csrf := formToken(t, before.body)
		if r := centre.post(page+"/kind", url.Values{"csrf_token": {csrf}, "kind": {"闲聊"}}); r.status != http.StatusBadRequest {
			t.Errorf("unknown kind: %d, want 400", r.status)
		}
		if r := centre.post(page+"/kind", url.Values{"kind": {"建议"}}); r.status != http.StatusForbidden {
			t.Errorf("kind change without the CSRF token: %d, want 403", r.status)
		}
		r = centre.post(page+"/kind", url.Values{"csrf_token": {csrf}, "kind": {"建议"}, "back": {page}})
		if r.status != http.StatusSeeOther || r.location != page+"?done=rekind" {
			t.Fatalf("kind change: %d %q", r.status, r.location)
		}

		after := centre.get(r.location)
		if !strings.Contains(after.body, `<td id="kind">建议`) {
			t.Errorf("page does not show the new kind 建议")
		}
		for _, want := range []string{"操作成功：更正类型", "<b>更正类型</b>", "<th>原类型</th><td>投诉</td>", "<th>新类型</th><td>建议</td>"} {
			if !strings.Contains(after.body, want) {
				t.Errorf("page after the change lacks %q", want)
			}
		}
		if en := centre.get(page + "?lang=en"); !strings.Contains(en.body, "<b>Kind corrected</b>") {
			t.Errorf("English timeline lacks the kind change")
		}

		account, err := org.AccountByName(ctx, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, account.Actor(), tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Kind != "建议" {
			t.Errorf("stored kind %q, want 建议", d.Ticket.Kind)
		}
		corrections, err := classify.Corrections(ctx, db, "kind")
		if err != nil {
			t.Fatal(err)
		}
		if len(corrections) != 1 || corrections[0].Label != "建议" {
			t.Errorf("kind corrections = %v, want one labelled 建议", corrections)
		}
	})
}

func TestAPIRekind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Kind: "咨询",
			Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/tickets/" + itoa(tk.ID) + "/kind"
		cases := []struct {
			name     string
			who      string
			body     any
			status   int
			code     string // the error code, empty on success
			wantKind string
		}{
			{"handler", "dongguan", map[string]any{"kind": "投诉"}, http.StatusForbidden, "forbidden", ""},
			{"unknown kind", "centre1", map[string]any{"kind": "闲聊"}, http.StatusBadRequest, "invalid_input", ""},
			{"unknown field", "centre1", map[string]any{"kind": "投诉", "tag": "x"}, http.StatusBadRequest, "invalid_input", ""},
			{"changed", "centre1", map[string]any{"kind": "投诉"}, http.StatusOK, "", "投诉"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, body := e.do(t, c.who, "POST", path, c.body)
				if status != c.status {
					t.Fatalf("status %d, want %d: %v", status, c.status, body)
				}
				if c.code != "" && errCode(body) != c.code {
					t.Errorf("error code %q, want %q", errCode(body), c.code)
				}
				if c.wantKind != "" && body["kind"] != c.wantKind {
					t.Errorf("kind %v, want %s", body["kind"], c.wantKind)
				}
			})
		}
		if status, _ := e.do(t, "centre1", "POST", "/api/tickets/999999/kind", map[string]any{"kind": "投诉"}); status != http.StatusNotFound {
			t.Errorf("unknown ticket: %d, want 404", status)
		}
	})
}

// TestTriageDispatchKind dispatches from the triage queue twice: once
// keeping the kind the form shows, which confirms it as a labelled example,
// and once choosing another kind, which corrects it.
func TestTriageDispatchKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		submit := func(kind, body string) *ticket.Ticket {
			t.Helper()
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Kind: kind, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != ticket.Triage {
				t.Fatalf("seed ticket %d is %s, want triage", tk.ID, tk.State)
			}
			return tk
		}
		confirmed := submit("咨询", "请问办理居住证需要带哪些材料")
		changed := submit("咨询", "建议在小学门口早晚高峰安排交警值守")

		centre := e.browser(t)
		centre.signIn("centre1")
		queue := centre.get("/console/triage")
		for _, tk := range []*ticket.Ticket{confirmed, changed} {
			form := formHTML(t, queue.body, "f-dispatch-"+itoa(tk.ID))
			if !strings.Contains(form, `<select name="kind">`) || !strings.Contains(form, `<option value="咨询" selected>咨询</option>`) {
				t.Fatalf("dispatch form of ticket %d does not offer the kind with 咨询 chosen:\n%s", tk.ID, form)
			}
		}
		csrf := formToken(t, queue.body)
		dispatch := func(tk *ticket.Ticket, kind string) {
			t.Helper()
			r := centre.post("/console/tickets/"+itoa(tk.ID)+"/dispatch", url.Values{"csrf_token": {csrf},
				"unit": {"ps-dongguan"}, "kind": {kind}, "back": {"/console/triage"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("dispatch of ticket %d: %d %s", tk.ID, r.status, r.body)
			}
		}
		account, err := org.AccountByName(ctx, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}
		// A dispatch that fails changes neither the kind nor the tag.
		r := centre.post("/console/tickets/"+itoa(changed.ID)+"/dispatch", url.Values{"csrf_token": {csrf},
			"unit": {"nosuch"}, "kind": {"建议"}, "tag": {"治安秩序"}, "back": {"/console/triage"}})
		if r.status != http.StatusBadRequest {
			t.Errorf("dispatch to an unknown unit: %d, want 400", r.status)
		}
		if d, err := e.svc.Get(ctx, account.Actor(), changed.ID, "test"); err != nil {
			t.Fatal(err)
		} else if d.Ticket.Kind != "咨询" || d.Ticket.Tag != changed.Tag {
			t.Errorf("after a failed dispatch: kind %q tag %q, want 咨询 and %q", d.Ticket.Kind, d.Ticket.Tag, changed.Tag)
		}

		dispatch(confirmed, "咨询")
		dispatch(changed, "建议")

		for _, c := range []struct {
			tk              *ticket.Ticket
			kind            string
			wantRekindEvent bool
		}{{confirmed, "咨询", false}, {changed, "建议", true}} {
			d, err := e.svc.Get(ctx, account.Actor(), c.tk.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			if d.Ticket.Kind != c.kind || d.Ticket.State != ticket.Dispatched {
				t.Errorf("ticket %d: kind %q state %s, want %q dispatched", c.tk.ID, d.Ticket.Kind, d.Ticket.State, c.kind)
			}
			rekinded := false
			for _, ev := range d.Events {
				rekinded = rekinded || ev.Action == workflow.ActRekind
			}
			if rekinded != c.wantRekindEvent {
				t.Errorf("ticket %d: rekind event %v, want %v", c.tk.ID, rekinded, c.wantRekindEvent)
			}
		}
		corrections, err := classify.Corrections(ctx, db, "kind")
		if err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{}
		for _, ex := range corrections {
			labels[ex.Text] = ex.Label
		}
		if len(corrections) != 2 || labels[confirmed.Body] != "咨询" || labels[changed.Body] != "建议" {
			t.Errorf("kind examples = %v, want the confirmed 咨询 and the corrected 建议", corrections)
		}
	})
}

// formHTML returns the form with the given id from page, up to its closing tag.
func formHTML(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("page has no form %s", id)
	}
	start = strings.LastIndex(page[:start], "<form")
	end := strings.Index(page[start:], "</form>")
	if end < 0 {
		t.Fatalf("form %s is not closed", id)
	}
	return page[start : start+end]
}

// TestDispatchFormStaleAndUnsetKind checks two dispatch forms. The form of a
// ticket without a kind offers "not set", so dispatching records no kind that
// staff did not choose. A form that went stale because another member of the
// centre changed the kind gets 409, and that change stays.
func TestDispatchFormStaleAndUnsetKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		unset, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "请问办理居住证需要带哪些材料"})
		if err != nil {
			t.Fatal(err)
		}
		stale, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Kind: "咨询", Body: "建议在小学门口安排交警值守"})
		if err != nil {
			t.Fatal(err)
		}
		centre := e.browser(t)
		centre.signIn("centre1")
		queue := centre.get("/console/triage")
		form := formHTML(t, queue.body, "f-dispatch-"+itoa(unset.ID))
		if !strings.Contains(form, `<option value="" selected>未定（不填）</option>`) {
			t.Fatalf("dispatch form of a ticket without a kind does not offer 未定 chosen:\n%s", form)
		}
		csrf := formToken(t, queue.body)
		post := func(tk *ticket.Ticket, kind string) reply {
			t.Helper()
			return centre.post("/console/tickets/"+itoa(tk.ID)+"/dispatch", url.Values{"csrf_token": {csrf},
				"unit": {"ps-dongguan"}, "kind": {kind}, "kind_shown": {tk.Kind}, "tag_shown": {tk.Tag},
				"back": {"/console/triage"}})
		}
		if r := post(unset, ""); r.status != http.StatusSeeOther {
			t.Fatalf("dispatch without a kind: %d", r.status)
		}
		if kinds, err := classify.Corrections(ctx, db, "kind"); err != nil || len(kinds) != 0 {
			t.Errorf("kind examples after dispatching without a kind: %v (%v), want none", kinds, err)
		}

		other, err := org.AccountByName(ctx, db, "centre2")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Rekind(ctx, other.Actor(), stale.ID, "建议"); err != nil {
			t.Fatal(err)
		}
		if r := post(stale, "咨询"); r.status != http.StatusConflict {
			t.Errorf("stale dispatch form: %d, want 409", r.status)
		}
		d, err := e.svc.Get(ctx, other.Actor(), stale.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Kind != "建议" || d.Ticket.State != ticket.Triage {
			t.Errorf("after the stale form: kind %q state %s, want 建议 and still in triage", d.Ticket.Kind, d.Ticket.State)
		}
	})
}
