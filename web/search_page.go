package web

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"minyi/org"
	"minyi/search"
	"minyi/ticket"
	"minyi/workflow"
)

//go:embed templates/search/*.html templates/dashboard/*.html
var searchFiles embed.FS

// searchPages holds the search and dashboard templates, each with the shared
// page frame of templates/search/frame.html.
var searchPages = func() map[string]*template.Template {
	funcs := template.FuncMap{"static": staticURL}
	base := template.Must(template.New("frame.html").Funcs(funcs).ParseFS(searchFiles, "templates/search/frame.html"))
	return map[string]*template.Template{
		"search":    template.Must(template.Must(base.Clone()).ParseFS(searchFiles, "templates/search/search.html")),
		"dashboard": template.Must(template.Must(base.Clone()).ParseFS(searchFiles, "templates/dashboard/dashboard.html")),
	}
}()

// searchCSP allows the page's own scripts and styles and nothing else.
// ECharts draws on a canvas and sets element styles from script, which
// style-src does not restrict.
const searchCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pickOption is one entry of a select box.
type pickOption struct {
	Value, Label string
	Selected     bool
}

// searchRowView is one result row as the page shows it.
type searchRowView struct {
	ID           int64
	TrackingCode string
	Received     string
	Channel      string
	Kind         string
	Tag          string
	Unit         string
	State        string
	Flags        []string
	TitleHTML    template.HTML
	ExcerptHTML  template.HTML
}

type searchPageData struct {
	frameData
	Form                        searchForm
	Searched                    bool
	Rows                        []searchRowView
	Total, Page, Pages          int
	PrevURL, NextURL, ExportURL string
	States, Channels            []pickOption
	Tags, Units                 []pickOption
	MaxText                     int // the maximum characters of the text, workflow.MaxQueryChars
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	f, q, err := s.parseSearchForm(r)
	d := s.newSearchPageData(w, r, acct, f)
	if err != nil {
		s.searchFailed(w, r, d, err)
		return
	}
	q.Limit = searchPageSize
	q.Offset = (f.Page - 1) * searchPageSize
	res, err := s.svc.Search(r.Context(), acct.Actor(), f.Unit, q)
	if err != nil {
		s.searchFailed(w, r, d, err)
		return
	}
	d.Searched = true
	d.Total, d.Page = res.Total, f.Page
	d.Pages = (res.Total + searchPageSize - 1) / searchPageSize
	if f.Page > 1 {
		d.PrevURL = "/search?" + f.values(f.Page-1)
	}
	if f.Page < d.Pages {
		d.NextURL = "/search?" + f.values(f.Page+1)
	}
	d.ExportURL = "/search/export.xlsx?" + f.values(0)
	for _, row := range res.Rows {
		d.Rows = append(d.Rows, s.resultRow(d.Lang, row, f.Text))
	}
	s.renderSearchPage(w, r, http.StatusOK, "search", d)
}

// newSearchPageData starts the search page of form f with its select boxes
// filled, in the language of the request.
func (s *Server) newSearchPageData(w http.ResponseWriter, r *http.Request, acct org.Account, f searchForm) searchPageData {
	d := searchPageData{frameData: s.pageFrame(w, r, acct, "search"), Form: f, MaxText: workflow.MaxQueryChars}
	s.fillSearchOptions(&d, acct)
	return d
}

// searchFailed shows a rejected search on the search page with the status
// that classifyError gives err. On a Chinese page the message is Chinese
// first with the English after. A 5xx goes to pageError, which shows only
// the request id.
func (s *Server) searchFailed(w http.ResponseWriter, r *http.Request, d searchPageData, err error) {
	status, code := classifyError(err)
	switch {
	case status >= 500:
		s.pageError(w, r, err)
		return
	case errors.Is(err, workflow.ErrNotFound):
		// Search returns not found only for a unit outside the account's scope.
		d.Error = d.T("err.unit_scope")
	case showsCause(code) && d.Lang == "en":
		d.Error = d.T("search.invalid") + " (" + strings.TrimPrefix(err.Error(), errBadRequest.Error()+": ") + ")"
	case showsCause(code):
		d.Error = searchErrorText(err)
	case d.Lang == "en":
		d.Error = consoleText("en", "err."+code)
	default:
		d.Error = consoleText("zh", "err."+code) + "（" + consoleText("en", "err."+code) + "）"
	}
	s.renderSearchPage(w, r, status, "search", d)
}

func (s *Server) resultRow(lang string, row search.Row, query string) searchRowView {
	v := searchRowView{ID: row.ID, TrackingCode: row.TrackingCode,
		Received: row.ReceivedAt.In(s.prof.Location).Format("2006-01-02 15:04"), Channel: channelName(lang, row.Channel),
		Kind: row.Kind, Tag: row.Tag, Unit: s.searchUnitName(row.UnitID), State: stateText(lang, row.State),
		// Highlight escapes every character of the stored text; only its <mark> tags are markup.
		TitleHTML:   template.HTML(search.Highlight(row.Title, query, 0)),
		ExcerptHTML: template.HTML(search.Highlight(excerptSource(row, query), query, excerptChars)),
	}
	if row.Urgent {
		v.Flags = append(v.Flags, consoleText(lang, "flag.urgent"))
	}
	if row.Overdue {
		v.Flags = append(v.Flags, consoleText(lang, "flag.overdue"))
	}
	if row.Supervised {
		v.Flags = append(v.Flags, consoleText(lang, "flag.supervised"))
	}
	return v
}

func (s *Server) searchUnitName(id string) string {
	if u, ok := s.prof.Unit(id); ok {
		return u.Name
	}
	return id
}

// fillSearchOptions fills the select boxes: every state, channel and tag, and
// the units the account may see.
func (s *Server) fillSearchOptions(d *searchPageData, acct org.Account) {
	f := d.Form
	chosen := map[ticket.State]bool{}
	for _, st := range f.States {
		chosen[st] = true
	}
	for _, st := range searchStates {
		d.States = append(d.States, pickOption{string(st), stateText(d.Lang, st), chosen[st]})
	}
	for _, code := range []string{"qr", "12345", "110", "mailbox", "12389", "phone", "email", "import"} {
		d.Channels = append(d.Channels, pickOption{code, channelName(d.Lang, code), f.Channel == code})
	}
	for _, tag := range s.prof.Tags {
		d.Tags = append(d.Tags, pickOption{tag.Name, tag.Name, f.Tag == tag.Name})
	}
	d.Units = s.scopedUnitOptions(acct, f.Unit)
}

// scopedUnitOptions lists the units within the account's scope: every unit for the
// centre, administrators and auditors, the own subtree for others.
func (s *Server) scopedUnitOptions(acct org.Account, selected string) []pickOption {
	var out []pickOption
	for _, u := range s.prof.Units {
		if !s.unitVisible(acct, u.ID) {
			continue
		}
		out = append(out, pickOption{u.ID, u.Name, u.ID == selected})
	}
	return out
}

func (s *Server) unitVisible(acct org.Account, unitID string) bool {
	switch acct.Role {
	case ticket.RoleCentre, ticket.RoleAdmin, ticket.RoleAuditor:
		return true
	}
	return acct.UnitPath != "" && strings.HasPrefix(s.prof.UnitPath(unitID), acct.UnitPath)
}

func (s *Server) renderSearchPage(w http.ResponseWriter, r *http.Request, status int, page string, d any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", searchCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := searchPages[page].ExecuteTemplate(&b, "frame.html", d); err != nil {
		s.pageError(w, r, err)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// searchErrorText returns the message of an invalid search: the Chinese
// first when it is known, then the English cause in brackets.
func searchErrorText(err error) string {
	cause := strings.TrimPrefix(err.Error(), errBadRequest.Error()+": ")
	zh := causeChinese(err)
	if zh == "" {
		zh = "搜索条件有误。"
	}
	return zh + "（" + cause + "）"
}

// pageError writes a 500 page that shows only the request id, and logs the
// cause once.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	id := RequestID(r.Context())
	s.log.Error("request failed", "request_id", id, "path", r.URL.Path, "error", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("服务器内部错误，请把请求编号告诉管理员。Internal error; request id " + id + "\n"))
}

// dayText formats t as a calendar date in the profile's zone.
func (s *Server) dayText(t time.Time) string { return t.In(s.prof.Location).Format(time.DateOnly) }
