package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"strconv"
	"time"

	"minyi/dispatch"
	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
	"minyi/workflow"
)

// fixedTagger tags every text as noise with high confidence, so items that come
// through a station's code are dispatched to that station.
type fixedTagger struct{}

func (fixedTagger) Predict(_ context.Context, head, _ string) (dispatch.Prediction, bool) {
	if head != "tag" {
		return dispatch.Prediction{}, false
	}
	return dispatch.Prediction{Label: "噪声扰民", Confidence: 0.9, Source: "model:tag:v1",
		Explain: []dispatch.Feature{{Text: "噪音", Weight: 0.5}, {Text: "夜间", Weight: 0.25}}}, true
}

type apiEnv struct {
	srv    *httptest.Server
	svc    *workflow.Service
	group  *workflow.GroupCommitter
	tokens map[string]string
}

func newAPI(t *testing.T, db *store.DB) *apiEnv {
	t.Helper()
	ctx := context.Background()
	svc, p := newPoliceService(t, db, workflow.Options{Tagger: fixedTagger{}})
	e := &apiEnv{svc: svc, tokens: map[string]string{}}
	for _, name := range []string{"centre1", "dongguan", "binjiang", "leader", "qinghe-leader", "auditor"} {
		tok, err := org.IssueToken(ctx, db, name)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
	}
	// POST /api/items goes through a group committer, as under minyi serve.
	e.group = workflow.NewGroupCommitter(svc, 0)
	t.Cleanup(e.group.Close)
	e.srv = httptest.NewServer(web.New(web.Options{Service: svc, DB: db, Profile: p, GroupCommit: e.group,
		KPI: func(context.Context, time.Time, time.Time, string) (any, error) { return map[string]int{"ok": 1}, nil }}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *apiEnv) do(t *testing.T, who, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func TestAPIStationIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/tickets/" + itoa(tk.ID)
		if code, _ := e.do(t, "dongguan", "GET", path, nil); code != http.StatusOK {
			t.Fatalf("own station read: %d", code)
		}
		code, body := e.do(t, "binjiang", "GET", path, nil)
		if code != http.StatusNotFound || errCode(body) != "not_found" {
			t.Fatalf("other station read: %d %v", code, body)
		}
		if code, _ := e.do(t, "binjiang", "POST", path+"/accept", nil); code != http.StatusNotFound {
			t.Fatalf("other station accept: %d", code)
		}
		_, list := e.do(t, "binjiang", "GET", "/api/tickets", nil)
		if list["count"].(float64) != 0 {
			t.Fatalf("other station lists %v tickets", list["count"])
		}
		if code, _ := e.do(t, "qinghe-leader", "GET", path, nil); code != http.StatusOK {
			t.Fatalf("leader of the station's branch read: %d", code) // ps-dongguan lies in the Qinghe branch
		}
		far, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-binjiang"})
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := e.do(t, "qinghe-leader", "GET", "/api/tickets/"+itoa(far.ID), nil); code != http.StatusNotFound {
			t.Fatalf("leader of another branch read: %d", code) // ps-binjiang lies in the Wangjiang branch
		}
		// Re-read: the denied accept changed nothing.
		_, got := e.do(t, "dongguan", "GET", path, nil)
		if got["state"] != "dispatched" {
			t.Fatalf("state after denied accept = %v", got["state"])
		}
	})
}

func TestAPIRoleAndTransitionErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		tk, _, _ := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		path := "/api/tickets/" + itoa(tk.ID)
		if code, body := e.do(t, "dongguan", "POST", path+"/approve", nil); code != http.StatusForbidden {
			t.Fatalf("handler approve: %d %v", code, body)
		}
		code, body := e.do(t, "dongguan", "POST", path+"/reply", map[string]any{"reply": "已处理"})
		if code != http.StatusConflict || errCode(body) != "invalid_transition" {
			t.Fatalf("reply before accept: %d %v", code, body)
		}
		if !strings.Contains(errMessage(body), "state dispatched") {
			t.Fatalf("message %q does not name the state", errMessage(body))
		}
		if code, _ := e.do(t, "", "GET", path, nil); code != http.StatusUnauthorized {
			t.Fatalf("no token: %d", code)
		}
		if code, _ := e.do(t, "auditor", "GET", "/api/tickets", nil); code != http.StatusForbidden {
			t.Fatalf("auditor list: %d", code)
		}
		code, body = e.do(t, "dongguan", "POST", path+"/return", map[string]any{})
		if code != http.StatusBadRequest || errCode(body) != "invalid_input" {
			t.Fatalf("return without reason: %d %v", code, body)
		}
	})
}

func TestAPICreateConcurrentItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		const n = 40
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// e.do may call t.Fatal, which only the test's goroutine may do.
				body, _ := json.Marshal(map[string]any{"channel": "12345",
					"external_id": "burst-" + strconv.Itoa(i), "body": "第" + strconv.Itoa(i) + "件：小区夜间噪音扰民"})
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/items", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+e.tokens["centre1"])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // codes[i] stays 0 and fails below
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		wg.Wait()
		for i, code := range codes {
			if code != http.StatusCreated {
				t.Errorf("item %d: status %d, want 201", i, code)
			}
		}
		var count int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != n {
			t.Errorf("tickets = %d, want %d", count, n)
		}
		if groups, items := e.group.Stats(); items != n || groups < 1 {
			t.Errorf("group committer wrote %d items in %d groups, want %d items", items, groups, n)
		}
	})
}

func TestAPICreateAndWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		code, created := e.do(t, "centre1", "POST", "/api/items", map[string]any{
			"channel": "12345", "external_id": "X-9", "body": "小区夜间噪音扰民，电话13900004321", "phone": "13900004321"})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, created)
		}
		again, _ := e.do(t, "centre1", "POST", "/api/items", map[string]any{
			"channel": "12345", "external_id": "X-9", "body": "小区夜间噪音扰民，电话13900004321", "phone": "13900004321"})
		if again != http.StatusOK {
			t.Fatalf("repeat create: %d", again)
		}
		code, reused := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "external_id": "X-9", "body": "x"})
		if code != http.StatusConflict || errCode(reused) != "id_reused" {
			t.Fatalf("same id, other body: %d %v", code, reused)
		}
		id := itoa(int64(created["id"].(float64)))
		// Without a code, a noise item has no routing rule and waits in triage.
		code, got := e.do(t, "centre1", "GET", "/api/tickets/"+id, nil)
		if code != http.StatusOK || got["state"] != "triage" {
			t.Fatalf("read: %d state %v", code, got["state"])
		}
		raw, _ := json.Marshal(got)
		if strings.Contains(string(raw), "13900004321") {
			t.Fatalf("ticket JSON shows the phone number: %s", raw)
		}
		code, got = e.do(t, "centre1", "POST", "/api/tickets/"+id+"/dispatch", map[string]any{"unit": "ps-dongguan"})
		if code != http.StatusOK || got["state"] != "dispatched" {
			t.Fatalf("dispatch: %d %v", code, got)
		}
		code, _ = e.do(t, "dongguan", "POST", "/api/tickets/"+id+"/accept", nil)
		if code != http.StatusOK {
			t.Fatalf("accept: %d", code)
		}
		code, body := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": "x", "bogus": 1})
		if code != http.StatusBadRequest || errCode(body) != "invalid_input" {
			t.Fatalf("unknown field: %d %v", code, body)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func TestAPIRejectsMalformedBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		post := func(body string) (int, map[string]any) {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/items", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.tokens["centre1"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		if code, body := post(`{"channel":"qr","body":"内容"} GARBAGE`); code != http.StatusBadRequest {
			t.Errorf("trailing data: %d %v", code, body)
		}
		huge := `{"channel":"qr","body":"` + strings.Repeat("a", 2<<20) + `"}`
		if code, body := post(huge); code != http.StatusRequestEntityTooLarge || errCode(body) != "too_large" {
			t.Errorf("2 MiB body: %d %v", code, body)
		}
		if code, body := post(`{"channel":"qr","title":"\u0000x"}`); code != http.StatusBadRequest {
			t.Errorf("NUL in title: %d %v", code, body)
		}
		if code, body := post(`{"channel":"../../etc","body":"内容"}`); code != http.StatusBadRequest {
			t.Errorf("bad channel: %d %v", code, body)
		}
		if code, body := e.do(t, "centre1", "GET", "/api/kpi?from=2030-01-01&to=2020-01-01", nil); code != http.StatusBadRequest {
			t.Errorf("reversed KPI range: %d %v", code, body)
		}
		if code, body := e.do(t, "centre1", "GET", "/api/tickets?tag=%00", nil); code != http.StatusBadRequest {
			t.Errorf("NUL in a query: %d %v", code, body)
		}
	})
}

// TestAPIBodyErrors posts bodies that are not a valid item and checks the
// 400 messages: they speak of JSON, not of Go types, and invalid UTF-8 is
// rejected instead of being stored as replacement characters.
func TestAPIBodyErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		cases := []struct {
			name, body, want string
		}{
			{"invalid UTF-8", "{\"channel\":\"12345\",\"title\":\"\xff\xfe\"}", "not valid UTF-8"},
			{"wrong type", `{"channel":"12345","body":"路灯","lat":"北纬"}`, `field "lat" must be a number, not string`},
			{"number out of range", `{"channel":"12345","body":"路灯","lat":1e309}`, `field "lat" is out of range for a number`},
			{"array", `[1,2]`, "the body must be an object, not array"},
			{"empty", ``, "the body is empty"},
			{"cut short", `{"channel":"12345","body":"路灯`, "ends too early"},
			{"syntax", `{"channel":"12345",,}`, "malformed JSON at byte"},
			{"unknown field", `{"channel":"12345","body":"路灯","colour":"red"}`, `unknown field "colour"`},
			{"NUL", `{"channel":"12345","body":"路灯\u0000坏了"}`, `field "body" contains a NUL character`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/items", strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+e.tokens["centre1"])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
					t.Fatal(err)
				}
				msg := errMessage(out)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, c.want) {
					t.Errorf("status %d, message %q; want 400 containing %q", resp.StatusCode, msg, c.want)
				}
				if strings.Contains(msg, "Go ") || strings.Contains(msg, "web.") {
					t.Errorf("message %q names Go types", msg)
				}
			})
		}
		code, out := e.do(t, "centre1", "GET", "/api/tickets", nil)
		if code != http.StatusOK || out["count"].(float64) != 0 {
			t.Errorf("bad bodies created tickets: %d %v", code, out["count"])
		}
	})
}

// TestAPIEmptyListsAreArrays reads an invalidated ticket, which allows no
// action and has no duplicate suggestions: both lists are [] in the JSON,
// not null.
func TestAPIEmptyListsAreArrays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		code, out := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": "路灯坏了"})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, out)
		}
		id := itoa(int64(out["id"].(float64)))
		if code, out := e.do(t, "centre1", "POST", "/api/tickets/"+id+"/invalidate", map[string]any{"reason": "测试"}); code != http.StatusOK {
			t.Fatalf("invalidate: %d %v", code, out)
		}
		code, out = e.do(t, "centre1", "GET", "/api/tickets/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("read the invalid ticket: %d %v", code, out)
		}
		if actions, ok := out["actions"].([]any); !ok || len(actions) != 0 {
			t.Errorf("actions on an invalid ticket = %#v, want an empty JSON array", out["actions"])
		}
		code, out = e.do(t, "centre1", "GET", "/api/tickets/"+id+"/duplicates", nil)
		if _, ok := out["suggestions"].([]any); code != http.StatusOK || !ok {
			t.Errorf("duplicates: %d, suggestions = %#v, want a JSON array", code, out["suggestions"])
		}
	})
}
