package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/kpi"
	"minyi/privacy"
	"minyi/search"
	"minyi/ticket"
	"minyi/workflow"
)

// searchRoutes is the route table of search, export and the dashboard.
//
// NOTE: export uses the list permission, so every role that may list tickets
// may export them; each export is recorded in the access log.
func (s *Server) searchRoutes() []Route {
	return []Route{
		{"GET", "/search", PermTicketList, s.searchPage},
		{"GET", "/search/export.xlsx", PermTicketList, s.exportXLSX},
		{"GET", "/api/search", PermTicketList, s.searchJSON},
		{"GET", "/dashboard", PermKPIRead, s.dashboardPage},
	}
}

// searchStates are the states a search can filter by, in loop order.
var searchStates = []ticket.State{ticket.Received, ticket.Triage, ticket.Dispatched, ticket.Accepted,
	ticket.Replied, ticket.Reviewed, ticket.CalledBack, ticket.Closed, ticket.Reopened, ticket.Merged,
	ticket.Invalid, ticket.Withdrawn, ticket.TransferredOut}

// searchForm is a search as the query string carries it: q, state (repeated
// or comma-separated), tag, channel, unit, from and to (calendar days in the
// profile's zone, both inclusive), urgent, overdue and supervised (=1), and
// page (from 1).
type searchForm struct {
	Text, Tag, Channel, Unit, From, To string
	States                             []ticket.State
	Urgent, Overdue, Supervised        bool
	Page                               int
}

// parseSearchForm reads the search of a request. Invalid values return an
// error wrapping errBadRequest.
func (s *Server) parseSearchForm(r *http.Request) (searchForm, search.Query, error) {
	v := r.URL.Query()
	f := searchForm{Text: strings.TrimSpace(v.Get("q")), Tag: v.Get("tag"), Channel: v.Get("channel"),
		Unit: v.Get("unit"), From: v.Get("from"), To: v.Get("to"), Page: 1}
	for _, flag := range []struct {
		name string
		dst  *bool
	}{{"urgent", &f.Urgent}, {"overdue", &f.Overdue}, {"supervised", &f.Supervised}} {
		var err error
		if *flag.dst, err = boolParam(v, flag.name); err != nil {
			return f, search.Query{}, err
		}
	}
	q := search.Query{Text: f.Text, Tag: f.Tag, Channel: f.Channel, Urgent: f.Urgent, Overdue: f.Overdue,
		Supervised: f.Supervised}
	if onlyPersonalData(f.Text) {
		return f, q, newInputError("电话号码、证件号码等个人信息已脱敏保存，不能用来搜索。请改用查询码、工单编号或诉求内容搜索。",
			"the search text is only personal data such as a phone number, which tickets store masked: "+
				"search by tracking code, ticket number or content")
	}
	// The workflow checks the same limit; checking it here gives the page its Chinese.
	if n := utf8.RuneCountInString(f.Text); n > workflow.MaxQueryChars {
		return f, q, newInputError(fmt.Sprintf("搜索内容过长：有 %d 个字，最多 %d 个字。", n, workflow.MaxQueryChars),
			fmt.Sprintf("the search text has %d characters, the limit is %d", n, workflow.MaxQueryChars))
	}
	for _, list := range v["state"] {
		for _, one := range strings.Split(list, ",") {
			if one == "" {
				continue
			}
			st := ticket.State(one)
			if !st.Valid() {
				return f, q, newInputError(fmt.Sprintf("状态“%s”不存在。", one), fmt.Sprintf("unknown state %q", one))
			}
			f.States = append(f.States, st)
		}
	}
	q.States = f.States
	loc := s.prof.Location
	if f.From != "" {
		day, err := kpi.ParseDay(f.From, loc)
		if err != nil {
			return f, q, newInputError(fmt.Sprintf("起始日期“%s”应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD。", f.From),
				fmt.Sprintf("from %q is not a day YYYY-MM-DD from 2000-01-01 to 2999-12-31", f.From))
		}
		q.From = day
	}
	if f.To != "" {
		day, err := kpi.ParseDay(f.To, loc)
		if err != nil {
			return f, q, newInputError(fmt.Sprintf("截止日期“%s”应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD。", f.To),
				fmt.Sprintf("to %q is not a day YYYY-MM-DD from 2000-01-01 to 2999-12-31", f.To))
		}
		q.To = day.AddDate(0, 0, 1)
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return f, q, newInputError(fmt.Sprintf("页码“%s”应为 1 至 10000 的数字。", p),
				fmt.Sprintf("page %q is not a number from 1 to 10000", p))
		}
		f.Page = n
	}
	return f, q, nil
}

// values returns the form as a query string, with page set to page (0 leaves
// it out).
func (f searchForm) values(page int) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", f.Text)
	set("tag", f.Tag)
	set("channel", f.Channel)
	set("unit", f.Unit)
	set("from", f.From)
	set("to", f.To)
	for _, st := range f.States {
		v.Add("state", string(st))
	}
	for k, on := range map[string]bool{"urgent": f.Urgent, "overdue": f.Overdue, "supervised": f.Supervised} {
		if on {
			v.Set(k, "1")
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// searchJSON serves GET /api/search: one page of results with highlighted
// title and excerpt. A query that is exactly a tracking code returns the
// ticket with that code first, if the account may see it.
func (s *Server) searchJSON(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	if err := checkParams(r.URL.Query(), searchParams); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, q, err := s.parseSearchForm(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	// The offset counts pages of the size actually returned, so a limit
	// above the maximum is an error rather than a silent cap that would skip
	// results between pages.
	if q.Limit, err = intParam(r.URL.Query(), "limit", 1, workflow.MaxSearchLimit); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if q.Limit == 0 {
		q.Limit = searchPageSize
	}
	q.Offset = (f.Page - 1) * q.Limit
	res, err := s.svc.Search(r.Context(), acct.Actor(), f.Unit, q)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(res.Rows))
	for _, row := range res.Rows {
		out = append(out, map[string]any{
			"id": row.ID, "tracking_code": row.TrackingCode, "channel": row.Channel, "kind": row.Kind,
			"state": row.State, "state_label": row.State.Label(), "unit_id": row.UnitID, "tag": row.Tag,
			"received_at": row.ReceivedAt.In(s.prof.Location).Format(time.RFC3339), "score": row.Score,
			"title_html":   search.Highlight(row.Title, f.Text, 0),
			"excerpt_html": search.Highlight(excerptSource(row, f.Text), f.Text, excerptChars),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "total": res.Total, "page": f.Page})
}

// onlyPersonalData reports whether text, once masked as tickets are, holds
// nothing but placeholders: a phone or ID number alone. Such a search would
// match every ticket with any masked number, none of them the one sought.
func onlyPersonalData(text string) bool {
	masked, found := privacy.Mask(text)
	if len(found) == 0 {
		return false
	}
	for _, f := range found {
		masked = strings.ReplaceAll(masked, f.Kind.Placeholder(), " ")
	}
	return !workflow.HasWords(masked)
}

// searchParams are the query parameters GET /api/search reads.
var searchParams = []string{"q", "state", "tag", "channel", "unit", "from", "to", "urgent", "overdue", "supervised",
	"page", "limit"}

// Sizes of the search page.
const (
	searchPageSize = 20
	excerptChars   = 80
)

// excerptSource returns the text an excerpt is cut from: the body, or the
// reply when only the reply contains the query.
func excerptSource(row search.Row, query string) string {
	if query != "" && !strings.Contains(search.Highlight(row.Body, query, 0), "<mark>") &&
		strings.Contains(search.Highlight(row.Reply, query, 0), "<mark>") {
		return row.Reply
	}
	return row.Body
}
