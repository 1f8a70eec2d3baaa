package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"minyi/audit"
	"minyi/org"
	"minyi/store"
	"minyi/workflow"
)

// PermAuditRead lets the auditor read the access log and its checkpoints.
const PermAuditRead Permission = "audit:read"

// Actions of the auditor's own reads of the access log.
const (
	actionAuditRead   = "audit.read"   // a page of records or the checkpoint page
	actionAuditExport = "audit.export" // a spreadsheet of records
)

// auditPageSize is the number of records on one page of an auditor list.
const auditPageSize = 50

// auditRoutes is the route table of the auditor pages. Each list has a
// spreadsheet twin with the same query string.
func (s *Server) auditRoutes() []Route {
	routes := []Route{{"GET", "/console/audit", PermAuditRead, s.auditHome}}
	for _, view := range auditViews {
		routes = append(routes,
			Route{"GET", "/console/audit/" + view, PermAuditRead, s.auditList},
			Route{"GET", "/console/audit/" + view + ".xlsx", PermAuditRead, s.auditXLSX})
	}
	return routes
}

// auditViews are the auditor's lists: who accessed one ticket, what one
// account accessed in a period, and every export and contact in a period.
var auditViews = []string{"ticket", "account", "exports"}

// auditQuery is one auditor list as its query string gives it.
type auditQuery struct {
	View     string
	TicketID int64
	Account  org.Account
	From, To string // calendar days in the profile's zone, both inclusive
	Page     int
	filter   audit.Filter
}

// describe returns the query for the access record of the auditor's own
// read: identifiers and dates, no personal data.
func (q auditQuery) describe() string {
	parts := []string{"view=" + q.View}
	if q.TicketID != 0 {
		parts = append(parts, "ticket="+strconv.FormatInt(q.TicketID, 10))
	}
	if q.Account.ID != 0 {
		parts = append(parts, "account="+q.Account.Name)
	}
	if q.From != "" {
		parts = append(parts, "from="+q.From)
	}
	if q.To != "" {
		parts = append(parts, "to="+q.To)
	}
	if q.Page > 1 {
		parts = append(parts, "page="+strconv.Itoa(q.Page))
	}
	return strings.Join(parts, "&")
}

// values returns the query string of q at page (0 leaves the page out).
func (q auditQuery) values(page int) string {
	v := url.Values{}
	if q.TicketID != 0 {
		v.Set("id", strconv.FormatInt(q.TicketID, 10))
	}
	if q.Account.Name != "" {
		v.Set("account", q.Account.Name)
	}
	if q.From != "" {
		v.Set("from", q.From)
	}
	if q.To != "" {
		v.Set("to", q.To)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// errAuditIncomplete marks a list query that lacks its ticket or account, so
// the page shows the form again.
var errAuditIncomplete = errors.New("incomplete audit query")

// parseAuditQuery reads the list named by the path's last element. Invalid
// values wrap errBadRequest, and a missing ticket or account returns
// errAuditIncomplete.
func (s *Server) parseAuditQuery(r *http.Request) (auditQuery, error) {
	view := strings.TrimSuffix(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], ".xlsx")
	v := r.URL.Query()
	q := auditQuery{View: view, From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")), Page: 1}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			return q, newInputError(fmt.Sprintf("页码“%s”应为 1 至 100000 的数字。", p),
				fmt.Sprintf("page %q is not a number from 1 to 100000", p))
		}
		q.Page = n
	}
	loc := s.prof.Location
	for _, d := range []struct {
		text string
		into *time.Time
		add  int
	}{{q.From, &q.filter.From, 0}, {q.To, &q.filter.To, 1}} {
		if d.text == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.text, loc)
		if err != nil {
			return q, newInputError(fmt.Sprintf("日期“%s”格式应为 YYYY-MM-DD。", d.text),
				fmt.Sprintf("date %q is not YYYY-MM-DD", d.text))
		}
		*d.into = day.AddDate(0, 0, d.add)
	}
	switch view {
	case "ticket":
		text := strings.TrimSpace(v.Get("id"))
		if text == "" {
			return q, errAuditIncomplete
		}
		id, err := strconv.ParseInt(text, 10, 64)
		if err != nil || id <= 0 {
			return q, newInputError(fmt.Sprintf("工单编号“%s”应为正整数。", text),
				fmt.Sprintf("ticket number %q is not a positive number", text))
		}
		q.TicketID, q.filter.TicketID = id, id
	case "account":
		name := strings.TrimSpace(v.Get("account"))
		if name == "" {
			return q, errAuditIncomplete
		}
		acct, err := org.AccountByName(r.Context(), s.db, name)
		if err != nil {
			return q, err
		}
		q.Account, q.filter.AccountID = acct, acct.ID
	case "exports":
		q.filter.Actions = []string{audit.ActionTicketExport, audit.ActionTicketContact}
	}
	return q, nil
}

// readAuditRecords returns up to limit records of q from offset, and records
// the auditor's read of at most shown of them in the same transaction, so
// that no read of the log goes unrecorded.
func (s *Server) readAuditRecords(r *http.Request, q auditQuery, limit, offset, shown int,
	action string) ([]audit.Record, error) {
	acct, _ := AccountFrom(r.Context())
	q.filter.Limit, q.filter.Offset = limit, offset
	var recs []audit.Record
	err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if recs, err = audit.Query(r.Context(), tx, q.filter); err != nil {
			return err
		}
		return s.recordIn(r.Context(), tx, workflow.Access{Actor: acct.Actor(), Action: action,
			Purpose: "audit " + q.View, Filter: q.describe(), Count: min(len(recs), shown), Result: audit.ResultOK})
	})
	return recs, err
}

// auditRow is one record as a list shows it.
type auditRow struct {
	audit.Record
	When        string
	RoleLabel   string
	ActionLabel string
	ResultLabel string
}

// auditListData is the content of an auditor list page.
type auditListData struct {
	View             string
	Query            auditQuery
	Accounts         []org.Account // the choice of the account list
	Incomplete       bool          // the ticket or account is missing, so only the form shows
	Rows             []auditRow
	Page             int
	PrevURL, NextURL string
	SpreadsheetURL   string
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseAuditQuery(r)
	v := s.newView(w, r, "title.audit."+q.View)
	d := &auditListData{View: q.View, Query: q, Page: q.Page}
	v.Data = d
	if q.View == "account" {
		accts, aerr := org.Accounts(r.Context(), s.db)
		if aerr != nil {
			s.consoleError(w, r, aerr)
			return
		}
		d.Accounts = accts
	}
	if errors.Is(err, errAuditIncomplete) {
		d.Incomplete = true
		s.render(w, r, http.StatusOK, "audit_records", v)
		return
	}
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	// One record more than a page shows whether a next page exists.
	recs, err := s.readAuditRecords(r, q, auditPageSize+1, (q.Page-1)*auditPageSize, auditPageSize, actionAuditRead)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	if len(recs) > auditPageSize {
		recs = recs[:auditPageSize]
		d.NextURL = r.URL.Path + "?" + q.values(q.Page+1)
	}
	if q.Page > 1 {
		d.PrevURL = r.URL.Path + "?" + q.values(q.Page-1)
	}
	d.SpreadsheetURL = r.URL.Path + ".xlsx?" + q.values(0)
	for _, rec := range recs {
		d.Rows = append(d.Rows, s.auditRow(v.Lang, rec))
	}
	s.render(w, r, http.StatusOK, "audit_records", v)
}

func (s *Server) auditRow(lang string, rec audit.Record) auditRow {
	row := auditRow{Record: rec, When: rec.Time.In(s.prof.Location).Format("2006-01-02 15:04:05"), RoleLabel: rec.Role,
		ActionLabel: auditActionText(lang, rec.Action), ResultLabel: consoleText(lang, "audit.result."+rec.Result)}
	if _, ok := consoleTexts["role."+rec.Role]; ok {
		row.RoleLabel = consoleText(lang, "role."+rec.Role)
	}
	return row
}

// auditActionText returns the name of an action, or the action itself when
// it has none.
func auditActionText(lang, action string) string {
	if _, ok := consoleTexts["audit.action."+action]; ok {
		return consoleText(lang, "audit.action."+action)
	}
	return action
}

// auditColumns are the columns of an auditor list and its spreadsheet, as
// text keys, with spreadsheet widths in characters.
var auditColumns = []struct {
	key   string
	width float64
}{
	{"audit.col.seq", 8}, {"audit.col.time", 20}, {"audit.col.account", 14}, {"audit.col.role", 10},
	{"audit.col.action", 14}, {"audit.col.ticket", 10}, {"audit.col.fields", 20}, {"audit.col.purpose", 24},
	{"audit.col.filter", 30}, {"audit.col.count", 8}, {"audit.col.result", 8}, {"audit.col.addr", 16},
	{"audit.col.request", 18}, {"audit.col.session", 34},
}

// auditXLSXMax bounds the records in one spreadsheet.
const auditXLSXMax = audit.MaxLimit

// auditXLSX serves an auditor list as a spreadsheet of every matching
// record, up to auditXLSXMax, newest first.
func (s *Server) auditXLSX(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseAuditQuery(r)
	if errors.Is(err, errAuditIncomplete) {
		err = newInputError("请先选择工单或账号。", "choose a ticket or an account first")
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	recs, err := s.readAuditRecords(r, q, auditXLSXMax, 0, auditXLSXMax, actionAuditExport)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	lang := s.lang(w, r)
	now := s.now()
	name := consoleText(lang, "audit.file") + "-" + q.View + "-" + now.In(s.prof.Location).Format("20060102-150405") + ".xlsx"
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename=\"audit.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := s.writeAuditXLSX(w, lang, q, recs, now); err != nil {
		// The header is sent; the client gets a cut file and the log the cause.
		s.log.Error("audit spreadsheet failed", "request_id", RequestID(r.Context()), "error", err)
	}
}

// writeAuditXLSX writes records as a workbook: the query, the time and
// count, the column names, then one row a record.
func (s *Server) writeAuditXLSX(out io.Writer, lang string, q auditQuery, recs []audit.Record, now time.Time) error {
	widths := make([]float64, len(auditColumns))
	for i, c := range auditColumns {
		widths[i] = c.width
	}
	x, err := newXLSXSheet(consoleText(lang, "audit.sheet"), "yyyy-mm-dd hh:mm:ss", widths)
	if err != nil {
		return fmt.Errorf("web: audit spreadsheet: %w", err)
	}
	defer x.Close()
	header := [][]any{
		{consoleText(lang, "audit.query"), consoleText(lang, "title.audit."+q.View), q.describe()},
		{consoleText(lang, "audit.exported_at"), excelize.Cell{StyleID: x.Date, Value: s.wallClock(now)},
			consoleText(lang, "audit.count"), len(recs)},
	}
	names := make([]any, len(auditColumns))
	for i, c := range auditColumns {
		names[i] = excelize.Cell{StyleID: x.Bold, Value: consoleText(lang, c.key)}
	}
	header = append(header, names)
	for _, row := range header {
		if err := x.AddRow(row); err != nil {
			return fmt.Errorf("web: audit spreadsheet: %w", err)
		}
	}
	for _, rec := range recs {
		var ticketID any
		if rec.TicketID != 0 {
			ticketID = rec.TicketID
		}
		cells := []any{rec.Seq, excelize.Cell{StyleID: x.Date, Value: s.wallClock(rec.Time)}, rec.AccountName,
			rec.Role, auditActionText(lang, rec.Action), ticketID, strings.Join(rec.Fields, ", "), rec.Purpose,
			rec.Filter, rec.Count, consoleText(lang, "audit.result."+rec.Result), rec.ClientAddr, rec.RequestID,
			rec.SessionHash}
		if err := x.AddRow(cells); err != nil {
			return fmt.Errorf("web: audit spreadsheet: %w", err)
		}
	}
	if err := x.Write(out); err != nil {
		return fmt.Errorf("web: audit spreadsheet: %w", err)
	}
	return nil
}

// auditHomeData is the content of the auditor's home page: the newest
// signed checkpoint and how to verify the log offline.
type auditHomeData struct {
	Configured bool
	Status     audit.Status
	Root       string // the signed root hash in base64, as the checkpoint holds it
	Unsigned   int64  // records after the newest checkpoint
	Accounts   []org.Account
}

// auditHome shows the newest checkpoint, the verification steps and the
// forms of the three lists. Opening it is recorded as a read of the log.
func (s *Server) auditHome(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	v := s.newView(w, r, "title.audit")
	d := &auditHomeData{Configured: s.audit != nil}
	v.Data = d
	err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		if s.audit != nil {
			st, err := s.audit.Status(r.Context(), tx)
			if err != nil {
				return err
			}
			d.Status = st
			if st.Signed != nil {
				d.Root = base64.StdEncoding.EncodeToString(st.Signed.Root[:])
				d.Unsigned = st.TreeSize - st.Signed.Size
			}
		}
		return s.recordIn(r.Context(), tx, workflow.Access{Actor: acct.Actor(), Action: actionAuditRead,
			Purpose: "audit checkpoint", Filter: "view=checkpoint", Result: audit.ResultOK})
	})
	if err == nil {
		d.Accounts, err = org.Accounts(r.Context(), s.db)
	}
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", v)
}
