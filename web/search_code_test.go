package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// request sends GET path as the account with the Accept header, when not
// empty, and returns the status, the header and the body.
func (e *searchEnv) request(t *testing.T, who, path, accept string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: e.sessions[who]})
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// browserAccept is the Accept header that Chromium sends when it follows a link.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func TestSearchLongQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		long := strings.Repeat("噪", workflow.MaxQueryChars+1)
		message := "搜索内容过长：有 101 个字，最多 100 个字。"

		t.Run("search page", func(t *testing.T) {
			status, h, body := e.request(t, "dongguan", "/search?q="+long, browserAccept)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400:\n%s", status, body)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("content type %q, want HTML", h.Get("Content-Type"))
			}
			if !strings.Contains(body, `<p class="error" role="alert">`+message) {
				t.Errorf("page lacks the Chinese message first:\n%s", body)
			}
			if !strings.Contains(body, `action="/search"`) {
				t.Errorf("error is not shown inside the search page:\n%s", body)
			}
			if !strings.Contains(body, `maxlength="100"`) {
				t.Errorf("search box does not state the limit of 100 characters:\n%s", body)
			}
		})
		t.Run("limit itself is accepted", func(t *testing.T) {
			q := strings.Repeat("噪", workflow.MaxQueryChars)
			if status, _, body := e.request(t, "dongguan", "/search?q="+q, browserAccept); status != http.StatusOK {
				t.Fatalf("status %d, want 200:\n%s", status, body)
			}
		})
		t.Run("API", func(t *testing.T) {
			status, h, body := e.request(t, "dongguan", "/api/search?q="+long, "")
			if status != http.StatusBadRequest || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, type %q, want 400 JSON:\n%s", status, h.Get("Content-Type"), body)
			}
			if !strings.Contains(body, "the search text has 101 characters, the limit is 100") {
				t.Errorf("API message lacks the limit: %s", body)
			}
		})
		t.Run("export to a browser", func(t *testing.T) {
			status, h, body := e.request(t, "dongguan", "/search/export.xlsx?q="+long, browserAccept)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400:\n%s", status, body)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("content type %q, want HTML", h.Get("Content-Type"))
			}
			if !strings.Contains(body, message) {
				t.Errorf("export error page lacks %q:\n%s", message, body)
			}
		})
		t.Run("export to a script", func(t *testing.T) {
			for _, accept := range []string{"", "application/json"} {
				status, h, body := e.request(t, "dongguan", "/search/export.xlsx?q="+long, accept)
				if status != http.StatusBadRequest || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
					t.Errorf("Accept %q: status %d, type %q, want 400 JSON", accept, status, h.Get("Content-Type"))
				}
				var reply struct {
					Error struct{ Code string } `json:"error"`
				}
				if err := json.Unmarshal([]byte(body), &reply); err != nil || reply.Error.Code != "invalid_input" {
					t.Errorf("Accept %q: body %s, want the invalid_input code", accept, body)
				}
			}
		})
		t.Run("export of a unit out of scope to a browser", func(t *testing.T) {
			status, h, body := e.request(t, "binjiang", "/search/export.xlsx?unit=ps-dongguan", browserAccept)
			if status != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, type %q, want a 404 page:\n%s", status, h.Get("Content-Type"), body)
			}
			if !strings.Contains(body, "所选单位不存在或不在您的权限范围内") {
				t.Errorf("page lacks the unit message:\n%s", body)
			}
		})
	})
}

func TestSearchTrackingCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		// The body of "mention" quotes the code of "own", so a text search
		// for that code finds it too, after the ticket that has the code.
		own, ownCode := e.submit(t, "ps-dongguan", workflow.Submission{Title: "楼上噪音", Body: "夜里装修噪音扰民"})
		far, farCode := e.submit(t, "ps-binjiang", workflow.Submission{Title: "广场噪音", Body: "广场舞噪音大"})
		mention, _ := e.submit(t, "ps-dongguan", workflow.Submission{Title: "再次反映",
			Body: "上次的查询码是 " + ownCode + "，还没有处理"})
		e.reindex(t)

		cases := []struct {
			name, who, query string
			want             []int64 // in order
		}{
			{"own station", "dongguan", ownCode, []int64{own, mention}},
			{"lower case", "dongguan", strings.ToLower(ownCode), []int64{own, mention}},
			{"another station's code", "dongguan", farCode, nil},
			{"branch leader", "qinghe-leader", ownCode, []int64{own, mention}},
			{"centre", "centre1", farCode, []int64{far}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, r := e.search(t, c.who, "q="+c.query)
				if status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				var got []int64
				for _, res := range r.Results {
					got = append(got, res.ID)
				}
				if len(got) != len(c.want) || r.Total != len(c.want) {
					t.Fatalf("results %v (total %d), want %v", got, r.Total, c.want)
				}
				for i := range got {
					if got[i] != c.want[i] {
						t.Errorf("results %v, want %v", got, c.want)
						break
					}
				}
				a := e.lastAccess(t)
				if a.Action != "ticket.list" || a.Purpose != "search" || a.Count != len(c.want) {
					t.Errorf("recorded %+v, want ticket.list search with count %d", a, len(c.want))
				}
				if !strings.Contains(a.Filter, "q="+c.query) {
					t.Errorf("recorded filter %q lacks the code", a.Filter)
				}
			})
		}

		t.Run("search page", func(t *testing.T) {
			status, _, body := e.request(t, "dongguan", "/search?q="+ownCode, browserAccept)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if !strings.Contains(body, `<strong id="total">2</strong>`) {
				t.Errorf("page does not count the code's ticket:\n%s", body)
			}
			if !strings.Contains(body, ownCode) {
				t.Error("page lacks the ticket with the code")
			}
		})
		t.Run("search page hides another station's code", func(t *testing.T) {
			status, _, body := e.request(t, "dongguan", "/search?q="+farCode, browserAccept)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if !strings.Contains(body, `<strong id="total">0</strong>`) || strings.Contains(body, "广场舞") {
				t.Errorf("page shows another station's ticket:\n%s", body)
			}
		})
	})
}

func TestConsoleLookupByTrackingCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		own, ownCode := e.submit(t, "ps-dongguan", workflow.Submission{Title: "楼上噪音", Body: "夜里装修噪音扰民"})
		far, farCode := e.submit(t, "ps-binjiang", workflow.Submission{Title: "广场噪音", Body: "广场舞噪音大"})
		cases := []struct {
			name, who, box string
			location       string // "" means 404
			recorded       string // the query of the search that the lookup records; "" means none
		}{
			{"tracking code", "dongguan", ownCode, "/console/tickets/" + itoa(own), ownCode},
			{"lower case with spaces", "dongguan", " " + strings.ToLower(ownCode) + " ", "/console/tickets/" + itoa(own),
				ownCode},
			{"number", "dongguan", itoa(own), "/console/tickets/" + itoa(own), ""},
			{"another station's code", "dongguan", farCode, "", farCode},
			{"centre", "centre1", farCode, "/console/tickets/" + itoa(far), farCode},
			// An unknown code of digits only is tried as a ticket number next.
			{"unknown code", "centre1", "2222222222", "/console/tickets/2222222222", "2222222222"},
			{"neither", "centre1", "ZZZZ", "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.mu.Lock()
				before := len(e.accesses)
				e.mu.Unlock()
				status, h, body := e.request(t, c.who, "/console/tickets?id="+url.QueryEscape(c.box), browserAccept)
				if c.location == "" && status != http.StatusNotFound {
					t.Errorf("status %d, want 404", status)
				}
				if c.location == "" && (strings.Contains(body, farCode) || strings.Contains(body, "广场")) {
					t.Errorf("not-found page names the ticket:\n%s", body)
				}
				if c.location != "" && (status != http.StatusSeeOther || h.Get("Location") != c.location) {
					t.Errorf("status %d to %q, want 303 to %q", status, h.Get("Location"), c.location)
				}
				e.mu.Lock()
				added := e.accesses[before:]
				e.mu.Unlock()
				switch {
				case c.recorded == "" && len(added) > 0:
					t.Errorf("recorded %+v, want nothing", added)
				case c.recorded != "" && len(added) != 1:
					t.Errorf("recorded %+v, want one search", added)
				case c.recorded != "" && (added[0].Action != "ticket.list" || added[0].Filter != "q="+c.recorded &&
					!strings.HasPrefix(added[0].Filter, "q="+c.recorded+"&")):
					t.Errorf("recorded %+v, want a search for %s", added[0], c.recorded)
				}
			})
		}
	})
}
