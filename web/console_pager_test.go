package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"minyi/audit"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// triageRowRE finds the ticket id of each row of a console list.
var triageRowRE = regexp.MustCompile(`<tr id="t(\d+)"`)

// TestTriagePaging fills the triage queue with more than two pages and walks
// them through the next links: every ticket shows exactly once, newest first,
// with the total count and the links in Chinese and in English.
func TestTriagePaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuditEnv(t, db)
		svc, srv := e.svc, e.srv
		const pageSize, total = 50, 107
		var want []string // ticket ids, newest first as the queue orders them
		for i := range total {
			tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: fmt.Sprintf("夜间噪音太大 第%d次", i)})
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != ticket.Triage {
				t.Fatalf("ticket %d is %s, want triage", tk.ID, tk.State)
			}
			want = append([]string{itoa(tk.ID)}, want...)
		}
		get := func(path string) (int, string) {
			t.Helper()
			status, _, body := sessionRequest(t, db, srv.URL, "centre1", "GET", path, nil)
			return status, body
		}

		var seen []string
		path := "/console/triage"
		for page := 1; path != ""; page++ {
			status, body := get(path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, status)
			}
			ids := rowIDs(body)
			wantRows := min(pageSize, total-(page-1)*pageSize)
			if len(ids) != wantRows {
				t.Errorf("page %d has %d rows, want %d", page, len(ids), wantRows)
			}
			seen = append(seen, ids...)
			status1 := fmt.Sprintf("共 %d 件，第 %d / 3 页", total, page)
			if !strings.Contains(body, status1) {
				t.Errorf("page %d lacks the status %q", page, status1)
			}
			if hasPrev := strings.Contains(body, `rel="prev"`); hasPrev != (page > 1) {
				t.Errorf("page %d: previous link present %v", page, hasPrev)
			}
			if page > 1 && !strings.Contains(body, `name="back" value="/console/triage?page=`+itoa(int64(page))+`"`) {
				t.Errorf("page %d: action forms do not return to this page", page)
			}
			path = nextLink(body)
			if path != "" && !strings.Contains(body, ">下一页</a>") {
				t.Errorf("page %d: next link is not labelled 下一页", page)
			}
			if page > 3 {
				t.Fatal("more than 3 pages")
			}
		}
		if !slices.Equal(seen, want) {
			t.Errorf("pages show %d tickets in the order %v, want %d in %v", len(seen), seen, len(want), want)
		}

		t.Run("access log", func(t *testing.T) {
			recs, err := audit.Query(ctx, db, audit.Filter{Actions: []string{audit.ActionTicketList}, Limit: audit.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			var filters []string
			for _, r := range recs {
				filters = append(filters, r.Filter)
			}
			const second = "state=received&state=triage&state=reopened&offset=50"
			if !slices.Contains(filters, second) {
				t.Errorf("no ticket.list record has the filter %q of page 2; filters: %v", second, filters)
			}
		})
		t.Run("English", func(t *testing.T) {
			_, body := get("/console/triage?lang=en&page=2")
			for _, text := range []string{"107 items, page 2 of 3", ">Previous page</a>", ">Next page</a>"} {
				if !strings.Contains(body, text) {
					t.Errorf("English page lacks %q", text)
				}
			}
			if strings.Contains(nextLink(body), "lang=") {
				t.Error("the next link repeats lang=, which the cookie keeps")
			}
		})
		t.Run("beyond the last page", func(t *testing.T) {
			status, body := get("/console/triage?page=9")
			if status != http.StatusOK || len(rowIDs(body)) != 0 {
				t.Fatalf("status %d, %d rows; want 200 and none", status, len(rowIDs(body)))
			}
			if !strings.Contains(body, `href="/console/triage?page=3" rel="prev"`) {
				t.Error("the previous link does not lead to the last page")
			}
		})
		t.Run("invalid page", func(t *testing.T) {
			for _, page := range []string{"0", "-1", "x", "100001"} {
				if status, _ := get("/console/triage?page=" + page); status != http.StatusBadRequest {
					t.Errorf("page %q: status %d, want 400", page, status)
				}
			}
		})
	})
}

func rowIDs(body string) []string {
	var ids []string
	for _, m := range triageRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// nextLink returns the path of the page's next link, "" when it has none.
func nextLink(body string) string {
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}
