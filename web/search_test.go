package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"minyi/demo"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
	"minyi/workflow"
)

// searchEnv is a server with signed-in sessions for the profile's accounts
// and a record of every access the workflow reported.
type searchEnv struct {
	srv      *httptest.Server
	svc      *workflow.Service
	db       *store.DB
	now      time.Time
	sessions map[string]string

	mu       sync.Mutex
	accesses []workflow.Access
}

// newSearchEnv starts a server on db with the police profile. A nil tagger
// tags every item as noise (fixedTagger).
func newSearchEnv(t *testing.T, db *store.DB, tagger workflow.Tagger) *searchEnv {
	t.Helper()
	if tagger == nil {
		tagger = fixedTagger{}
	}
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	keys, _ := privacy.GenerateKeys()
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &searchEnv{db: db, now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), sessions: map[string]string{}}
	clock := func() time.Time { return e.now }
	e.svc, err = workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: tagger,
		Now: clock, Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.accesses = append(e.accesses, a)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	accts, err := org.Accounts(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		id, err := org.CreateSession(ctx, db, a.ID, "test", e.now)
		if err != nil {
			t.Fatal(err)
		}
		e.sessions[a.Name] = id
	}
	e.srv = httptest.NewServer(web.New(web.Options{Service: e.svc, DB: db, Profile: p,
		Auth: web.AuthOptions{Now: clock}}))
	t.Cleanup(e.srv.Close)
	return e
}

// submit creates a ticket through the code of unit and returns it.
func (e *searchEnv) submit(t *testing.T, unit string, sub workflow.Submission) (id int64, code string) {
	t.Helper()
	sub.Channel, sub.CodeUnit = "qr", unit
	sub.ReceivedAt = e.now.Add(-time.Hour)
	tk, _, err := e.svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return tk.ID, tk.TrackingCode
}

// reindex indexes every ticket, so the tests hold whether or not the
// workflow indexes on submission.
func (e *searchEnv) reindex(t *testing.T) {
	t.Helper()
	if _, err := search.Reindex(context.Background(), e.db, 100, nil); err != nil {
		t.Fatal(err)
	}
}

// get requests path as the account and returns the status and body.
func (e *searchEnv) get(t *testing.T, who, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: e.sessions[who]})
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
	return resp.StatusCode, b
}

func (e *searchEnv) lastAccess(t *testing.T) workflow.Access {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.accesses) == 0 {
		t.Fatal("no access recorded")
	}
	return e.accesses[len(e.accesses)-1]
}

type searchReply struct {
	Total   int `json:"total"`
	Results []struct {
		ID           int64  `json:"id"`
		TrackingCode string `json:"tracking_code"`
		TitleHTML    string `json:"title_html"`
	} `json:"results"`
}

func (e *searchEnv) search(t *testing.T, who, query string) (int, searchReply) {
	t.Helper()
	code, body := e.get(t, who, "/api/search?"+query)
	var r searchReply
	if code == http.StatusOK {
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
	return code, r
}

func TestSearchStationScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		own, ownCode := e.submit(t, "ps-dongguan", workflow.Submission{Title: "楼上噪音", Body: "夜里装修噪音扰民"})
		far, farCode := e.submit(t, "ps-binjiang", workflow.Submission{Title: "广场噪音", Body: "广场舞噪音大"})
		e.submit(t, "ps-dongguan", workflow.Submission{Title: "路口红灯", Body: "红灯时间太短"})
		e.reindex(t)

		cases := []struct {
			who, query string
			status     int
			want       []int64
		}{
			{"dongguan", "q=噪音", http.StatusOK, []int64{own}},
			{"binjiang", "q=噪音", http.StatusOK, []int64{far}},
			{"qinghe-leader", "q=噪音", http.StatusOK, []int64{own}}, // ps-dongguan lies in the Qinghe branch
			{"centre1", "q=噪音", http.StatusOK, []int64{own, far}},
			{"binjiang", "q=噪音&unit=ps-dongguan", http.StatusNotFound, nil},
			{"dongguan", "q=噪音&unit=ps-dongguan", http.StatusOK, []int64{own}},
			{"auditor", "q=噪音", http.StatusForbidden, nil}, // auditors read the log, not tickets
		}
		for _, c := range cases {
			t.Run(c.who+" "+c.query, func(t *testing.T) {
				code, r := e.search(t, c.who, c.query)
				if code != c.status {
					t.Fatalf("status %d, want %d", code, c.status)
				}
				if code != http.StatusOK {
					return
				}
				if r.Total != len(c.want) {
					t.Errorf("total %d, want %d", r.Total, len(c.want))
				}
				got := map[int64]bool{}
				for _, res := range r.Results {
					got[res.ID] = true
				}
				for _, id := range c.want {
					if !got[id] {
						t.Errorf("ticket %d missing from %v", id, r.Results)
					}
				}
				if len(r.Results) != len(c.want) {
					t.Errorf("%d results, want %d", len(r.Results), len(c.want))
				}
			})
		}

		code, page := e.get(t, "dongguan", "/search?q=噪音")
		if code != http.StatusOK {
			t.Fatalf("search page: %d", code)
		}
		if !bytes.Contains(page, []byte(ownCode)) {
			t.Error("search page lacks the station's own ticket")
		}
		if bytes.Contains(page, []byte(farCode)) {
			t.Error("search page shows another station's ticket")
		}
		if !bytes.Contains(page, []byte(`<strong id="total">1</strong>`)) {
			t.Error("search page counts tickets outside the station")
		}
		a := e.lastAccess(t)
		if a.Action != "ticket.list" || a.Purpose != "search" || a.Count != 1 {
			t.Errorf("recorded %+v, want ticket.list search with count 1", a)
		}
		if !strings.Contains(a.Filter, "q=噪音") || !strings.Contains(a.Filter, "unit_path=/") {
			t.Errorf("recorded filter %q lacks the query or the scope", a.Filter)
		}
	})
}

func TestSearchPageEscapes(t *testing.T) {
	e := newSearchEnv(t, storetest.SQLite(t), nil)
	e.submit(t, "ps-dongguan", workflow.Submission{Title: `<script>alert("噪音")</script>`,
		Body: `<img src=x onerror=alert(1)> 夜里噪音 & 装修`})
	e.reindex(t)
	code, page := e.get(t, "dongguan", "/search?q=噪音")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, bad := range []string{`<script>alert`, `<img src=x`} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, good := range []string{`&lt;script&gt;alert(&#34;<mark>噪音</mark>&#34;)&lt;/script&gt;`,
		`&lt;img src=x onerror=alert(1)&gt; 夜里<mark>噪音</mark> &amp; 装修`} {
		if !bytes.Contains(page, []byte(good)) {
			t.Errorf("page lacks %q", good)
		}
	}
}

func TestSearchBadInput(t *testing.T) {
	e := newSearchEnv(t, storetest.SQLite(t), nil)
	for _, q := range []string{"state=nope", "from=2026-13-01", "page=0", "to=yesterday", "to=9999-12-31", "urgent=yes",
		"overdue=2", "limit=abc", "limit=-5", "limit=201", "colour=red", "q=13700000001", "q=137+0000+0001"} {
		if code, _ := e.get(t, "centre1", "/api/search?"+q); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, code)
		}
	}
}

// phoneDigits matches a run of seven or more digits, as a phone number has.
var phoneDigits = regexp.MustCompile(`\d{7,}`)

func TestExportXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		rng := rand.New(rand.NewPCG(7, 7))
		var phones []string
		for i := range 3 {
			phone := demo.FakePhone(rng)
			phones = append(phones, phone)
			e.submit(t, "ps-dongguan", workflow.Submission{Title: "噪音扰民", Phone: phone,
				Body: "夜里噪音，联系电话" + phone + "，第" + string(rune('一'+i)) + "次反映"})
		}
		e.submit(t, "ps-binjiang", workflow.Submission{Title: "噪音", Body: "别的派出所的噪音"})
		e.reindex(t)

		code, body := e.get(t, "dongguan", "/search/export.xlsx?q=噪音&from=2026-12-01&to=2026-12-04")
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("open export: %v", err)
		}
		defer x.Close()
		rows, err := x.GetRows("工单")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3+3 {
			t.Fatalf("%d rows, want 3 header rows and 3 tickets: %v", len(rows), rows)
		}
		if rows[0][0] != "筛选条件" || !strings.Contains(rows[0][1], "关键词：噪音") ||
			!strings.Contains(rows[0][1], "2026-12-01 至 2026-12-04") {
			t.Errorf("filter row = %v", rows[0])
		}
		wantCols := []string{"编号", "受理时间", "渠道", "类型", "标签", "承办单位", "状态", "办结时间", "满意度"}
		if strings.Join(rows[2], ",") != strings.Join(wantCols, ",") {
			t.Errorf("columns = %v, want %v", rows[2], wantCols)
		}
		for _, row := range rows[3:] {
			if row[5] != "东关派出所" {
				t.Errorf("unit %q, want only the station's own tickets", row[5])
			}
			// Shanghai is UTC+8: received 09:00 UTC shows as 17:00.
			if row[1] != "2026-12-04 17:00" {
				t.Errorf("received shown as %q, want 2026-12-04 17:00", row[1])
			}
		}
		style, err := x.GetCellStyle("工单", "B4")
		if err != nil {
			t.Fatal(err)
		}
		if s, err := x.GetStyle(style); err != nil || s.CustomNumFmt == nil || !strings.Contains(*s.CustomNumFmt, "yyyy") {
			t.Errorf("received cell has no date format: %+v, %v", s, err)
		}
		raw, _ := x.GetCellValue("工单", "B4", excelize.Options{RawCellValue: true})
		if !regexp.MustCompile(`^\d+(\.\d+)?$`).MatchString(raw) {
			t.Errorf("received cell holds %q, want a date serial number", raw)
		}
		for _, row := range rows {
			for _, cell := range row {
				if phoneDigits.MatchString(cell) {
					t.Errorf("cell %q contains a run of digits", cell)
				}
				for _, p := range phones {
					if strings.Contains(cell, p) {
						t.Errorf("cell %q contains a phone number", cell)
					}
				}
			}
		}
		a := e.lastAccess(t)
		if a.Action != "ticket.export" || a.Count != 3 || !strings.Contains(a.Filter, "q=噪音") {
			t.Errorf("recorded %+v, want ticket.export of 3 with the query", a)
		}
	})
}

// TestSearchFlagsAndPaging reads urgent=true like urgent=1, and pages
// through every match with a given limit without skipping any.
func TestSearchFlagsAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSearchEnv(t, db, nil)
		var ids []int64
		for i := range 7 {
			id, _ := e.submit(t, "ps-dongguan", workflow.Submission{Title: "路灯不亮", Body: fmt.Sprintf("第%d盏路灯坏了", i)})
			ids = append(ids, id)
		}
		if _, err := db.ExecContext(context.Background(), `UPDATE tickets SET urgent = 1 WHERE id = ?`, ids[0]); err != nil {
			t.Fatal(err)
		}
		e.reindex(t)
		for _, v := range []string{"1", "true"} {
			if code, r := e.search(t, "centre1", "q=路灯&urgent="+v); code != http.StatusOK || r.Total != 1 {
				t.Errorf("urgent=%s: status %d, total %d, want the 1 urgent ticket", v, code, r.Total)
			}
		}
		seen := map[int64]bool{}
		for page := 1; page <= 3; page++ {
			code, r := e.search(t, "centre1", fmt.Sprintf("q=路灯&limit=3&page=%d", page))
			if code != http.StatusOK {
				t.Fatalf("page %d: status %d", page, code)
			}
			for _, res := range r.Results {
				seen[res.ID] = true
			}
		}
		if len(seen) != len(ids) {
			t.Errorf("three pages of 3 returned %d distinct tickets, want %d", len(seen), len(ids))
		}
	})
}
