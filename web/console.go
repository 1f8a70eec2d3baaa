package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"minyi/search"
	"minyi/ticket"
	"minyi/workflow"
)

// Permissions of the console pages that the ticket permissions do not cover.
const (
	PermConsoleTriage      Permission = "console:triage"
	PermConsoleReview      Permission = "console:review"
	PermConsoleSupervision Permission = "console:supervision"
	PermAlertRead          Permission = "alert:read"
	PermAlertAck           Permission = "alert:acknowledge"
	PermOfficerRead        Permission = "officer:read"
)

// consoleActions lists the ticket actions the console offers as forms: the
// same as the JSON API, without the citizen's and the system's own actions.
func consoleActions() []ticket.Action {
	var out []ticket.Action
	for _, act := range ticket.Actions() {
		switch act {
		case ticket.ActWithdraw, ticket.ActSupplement, ticket.ActMarkOverdue:
			continue
		}
		out = append(out, act)
	}
	return out
}

// consoleRoutes is the route table of the staff console.
func (s *Server) consoleRoutes() []Route {
	routes := []Route{
		{"GET", "/console", PermSelf, s.consoleHome},
		{"GET", "/console/triage", PermConsoleTriage, s.triagePage},
		{"GET", "/console/inbox", PermTicketList, s.inboxPage},
		{"GET", "/console/tickets", PermTicketRead, s.lookupTicket},
		{"GET", "/console/tickets/{id}", PermTicketRead, s.ticketPage},
		{"GET", "/console/review", PermConsoleReview, s.reviewPage},
		{"GET", "/console/supervision", PermConsoleSupervision, s.supervisionPage},
		{"GET", "/console/officers", PermOfficerRead, s.officersPage},
		{"GET", "/console/routing", PermRoutingQuality, s.routingQualityPage},
		{"GET", "/console/officers/{id}", PermOfficerRead, s.officerPage},
		{"GET", "/console/alerts", PermAlertRead, s.alertsJSON},
		{"POST", "/console/alerts/{id}/ack", PermAlertAck, s.alertAck},
		{"POST", "/console/tickets/{id}/kind", ActionPermission(workflow.ActRekind), s.consoleRekind},
		{"POST", "/console/tickets/{id}/dismiss-duplicate", ActionPermission(workflow.ActDismissDuplicate),
			s.consoleDismissDuplicate},
	}
	for _, act := range consoleActions() {
		routes = append(routes, Route{"POST", "/console/tickets/{id}/" + string(act), ActionPermission(act),
			s.consoleAct(act)})
	}
	return routes
}

//go:embed templates/console
var consoleTemplateFS embed.FS

// consoleTemplates holds one template set per page: the layout, the shared
// partials and the page. They are parsed when the package loads, so a broken
// or missing template stops the program at start.
var consoleTemplates = parseConsoleTemplates()

var consolePages = []string{"triage", "inbox", "ticket", "review", "supervision", "officers", "officer", "error", "routing",
	"audit", "audit_records", "phone_hint"}

func parseConsoleTemplates() map[string]*template.Template {
	sub, err := fs.Sub(consoleTemplateFS, "templates/console")
	if err != nil {
		panic(err)
	}
	funcs := template.FuncMap{"static": staticURL}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(sub, "layout.html", "partials.html"))
	out := map[string]*template.Template{}
	for _, name := range consolePages {
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(sub, name+".html"))
	}
	return out
}

// consoleCSP admits the console's own style sheet and script and nothing
// else: no inline script, no outside host.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type navItem struct {
	Key, Href string
	Active    bool
}

// consoleNav lists the pages a role may open, in the order staff use them.
var consoleNav = []struct {
	key, href string
	perm      Permission
	roles     []ticket.Role // empty means every role with perm
}{
	{"nav.triage", "/console/triage", PermConsoleTriage, nil},
	{"nav.inbox", "/console/inbox", PermTicketList, []ticket.Role{ticket.RoleHandler, ticket.RoleLeader}},
	{"nav.review", "/console/review", PermConsoleReview, nil},
	{"nav.super", "/console/supervision", PermConsoleSupervision, nil},
	{"nav.search", "/search", PermTicketList, nil},
	{"nav.dashboard", "/dashboard", PermKPIRead, nil},
	{"nav.officer", "/console/officers", PermOfficerRead, nil},
	{"nav.routing", "/console/routing", PermRoutingQuality, nil},
	{"nav.audit", "/console/audit", PermAuditRead, nil},
}

func navFor(role ticket.Role, path string) []navItem {
	var out []navItem
	for _, n := range consoleNav {
		if !Allowed(role, n.perm) || (len(n.roles) > 0 && !containsRole(n.roles, role)) {
			continue
		}
		out = append(out, navItem{Key: n.key, Href: n.href, Active: strings.HasPrefix(path, n.href)})
	}
	return out
}

func containsRole(list []ticket.Role, r ticket.Role) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	for _, n := range navFor(acct.Role, "") {
		http.Redirect(w, r, n.Href, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// newView starts the data of a console page for the signed-in account.
func (s *Server) newView(w http.ResponseWriter, r *http.Request, titleKey string) *consoleView {
	acct, _ := AccountFrom(r.Context())
	v := &consoleView{s: s, Lang: s.lang(w, r), Account: acct, CSRF: CSRFToken(r.Context()), Path: r.URL.Path,
		TitleKey: titleKey, Nav: navFor(acct.Role, r.URL.Path), now: s.now(), RequestID: RequestID(r.Context())}
	v.Back = r.URL.Path
	if q := r.URL.Query().Get("done"); q != "" {
		v.Done = actionText(v.Lang, ticket.Action(q))
	}
	v.AlertsOn = Allowed(acct.Role, PermAlertRead)
	if v.AlertsOn {
		v.AlertsNext = withoutDone(s.signInNext(r))
		// The layout lists the alerts so that they show without the script
		// too. The script then keeps the list current.
		alerts, err := s.svc.UrgentAlerts(r.Context(), acct.Actor())
		if err == nil {
			v.Alerts = s.alertViews(v.Lang, alerts)
		} else {
			s.log.Warn("urgent alerts", "request_id", v.RequestID, "error", err)
		}
	}
	return v
}

// render writes a console page with its security headers. The page is
// rendered into a buffer first, so a template error becomes a 500 rather
// than half a page, and a client that went away is not logged as an error.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *consoleView) {
	var buf bytes.Buffer
	if err := consoleTemplates[page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("render console page", "request_id", RequestID(r.Context()), "page", page, "error", err)
		http.Error(w, "系统出错了，请把请求编号告诉管理员（internal error; quote the request id）："+RequestID(r.Context()),
			http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// consoleError renders err as an error page with the status that
// classifyError gives it. The page states the class of error in the page's
// language. A 4xx that may show its cause adds it in Chinese when the cause
// is known (see causeChinese), then in the original English. A 5xx is
// logged once and never shows its cause, and neither does a not-found.
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := classifyError(err)
	key := "err." + code
	v := s.newView(w, r, "title.error")
	v.Error = consoleText(v.Lang, key)
	if v.Lang != "en" {
		v.ErrorEnglish = consoleText("en", key)
	}
	if showsCause(code) {
		v.ErrorCause = err.Error() // the domain's own words on what is missing
		if v.Lang != "en" {
			v.ErrorDetail = causeChinese(err)
		}
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", RequestID(r.Context()), "path", r.URL.Path, "error", err)
	}
	v.Back = safeBack(r.FormValue("back"))
	s.render(w, r, status, "error", v)
}

// safeBack returns back when it is a console path, else the console home.
func safeBack(back string) string {
	if !strings.HasPrefix(back, "/console") || strings.ContainsAny(back, "\\\r\n") || strings.HasPrefix(back, "//") {
		return "/console"
	}
	return back
}

// withDone adds done=ACTION to a console path for the success notice.
func withDone(back string, act ticket.Action) string {
	u, err := url.Parse(back)
	if err != nil {
		return "/console"
	}
	q := u.Query()
	q.Set("done", string(act))
	u.RawQuery = q.Encode()
	return u.String()
}

// normalizeTicketNumber returns a ticket number as staff may type it in the
// console's plain form: NFKC turns full-width digits and ＃ into ASCII, and
// the leading # that the console prints before a number is dropped.
func normalizeTicketNumber(text string) string {
	text = strings.TrimSpace(norm.NFKC.String(text))
	return strings.TrimSpace(strings.TrimPrefix(text, "#"))
}

// normalizeFormDate returns a date or time typed in a console form with
// full-width digits, colon, hyphen or space in ASCII (NFKC), for a browser
// that shows a plain text box instead of a date picker.
func normalizeFormDate(text string) string {
	return strings.TrimSpace(norm.NFKC.String(text))
}

// withoutDone removes the done=ACTION parameter of withDone from an address,
// so that a page opened again does not report the action a second time.
func withoutDone(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return "/console"
	}
	q := u.Query()
	if !q.Has("done") {
		return address
	}
	q.Del("done")
	u.RawQuery = q.Encode()
	return u.String()
}

// lookupTicket opens the ticket that the console's lookup box names, by its
// number or its tracking code. Both may be typed as the console prints them
// or with full-width characters: a number with a leading #, a code in lower
// case or in groups with spaces between. A tracking code goes through
// Search, which finds only tickets within the account's units and records
// the lookup.
func (s *Server) lookupTicket(w http.ResponseWriter, r *http.Request) {
	text := normalizeTicketNumber(r.URL.Query().Get("id"))
	if code, ok := ticket.ParseTrackingCode(strings.Join(strings.Fields(text), "")); ok {
		acct, _ := AccountFrom(r.Context())
		res, err := s.svc.Search(r.Context(), acct.Actor(), "", search.Query{Text: code, Limit: 1})
		if err != nil {
			s.consoleError(w, r, err)
			return
		}
		if len(res.Rows) > 0 && res.Rows[0].TrackingCode == code {
			http.Redirect(w, r, "/console/tickets/"+strconv.FormatInt(res.Rows[0].ID, 10), http.StatusSeeOther)
			return
		}
	}
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 {
		s.consoleError(w, r, workflow.ErrNotFound)
		return
	}
	http.Redirect(w, r, "/console/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
