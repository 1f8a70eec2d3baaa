package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"minyi/dispatch"
	"minyi/hot"
	"minyi/kpi"
	"minyi/review"
	"minyi/ticket"
	"minyi/workflow"
)

// Permissions of the routing, duplicate, hot-issue and reply-review routes.
const (
	PermRoutingQuality Permission = "routing:quality"
	PermHotRead        Permission = "hot:read"
)

// routingRoutes is the route table of routing quality, duplicates, hot
// issues and reply review.
func (s *Server) routingRoutes() []Route {
	return []Route{
		{"GET", "/api/routing/quality", PermRoutingQuality, s.routingQuality},
		{"GET", "/api/hot", PermHotRead, s.hotIssues},
		{"GET", "/api/tickets/{id}/duplicates", PermTicketRead, s.duplicates},
		{"POST", "/api/tickets/{id}/unmerge", ActionPermission(workflow.ActUnmerge), s.unmerge},
		{"POST", "/api/tickets/{id}/dismiss-duplicate", ActionPermission(workflow.ActDismissDuplicate), s.dismissDuplicate},
		{"GET", "/api/tickets/{id}/review-hints", PermTicketRead, s.reviewHints},
	}
}

// scopeOf returns the unit path whose subtree the account may see in
// reports: every unit for the centre and for an account of the root unit,
// the account's subtree otherwise. Tickets in triage have no unit, so only
// the empty scope counts them.
func (s *Server) scopeOf(acct ticket.Actor) string {
	if acct.Role == ticket.RoleCentre || s.isRootUnit(acct.UnitID) {
		return ""
	}
	return acct.UnitPath
}

// isRootUnit reports whether id is the root of the profile's unit tree, whose
// subtree is every ticket, those without a unit included.
func (s *Server) isRootUnit(id string) bool {
	root, ok := s.prof.Root()
	return ok && id != "" && id == root.ID
}

// dateFieldZh names the query parameters of dateRange in Chinese.
var dateFieldZh = map[string]string{"from": "起始日期", "to": "截止日期"}

// dateRange reads from and to (YYYY-MM-DD in the profile's zone, to
// inclusive) and defaults to the 30 days up to today.
func (s *Server) dateRange(r *http.Request) (time.Time, time.Time, error) {
	loc := s.prof.Location
	today := time.Now().In(loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		d, err := kpi.ParseDay(v, loc)
		if err != nil {
			return time.Time{}, time.Time{}, newInputError(fmt.Sprintf("%s“%s”应为 2000 至 2999 年间的日期，格式 YYYY-MM-DD。", dateFieldZh[name], v),
				fmt.Sprintf("%s %q is not a day YYYY-MM-DD from 2000-01-01 to 2999-12-31", name, v))
		}
		if name == "to" {
			d = d.AddDate(0, 0, 1)
		}
		*dst = d
	}
	if !to.After(from) {
		return time.Time{}, time.Time{}, newInputError("截止日期早于起始日期。", "to is before from")
	}
	return from, to, nil
}

func (s *Server) routingQuality(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	from, to, err := s.dateRange(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	q, err := dispatch.NewRouter(s.prof).RoutingQuality(r.Context(), s.db, from, to, s.scopeOf(acct.Actor()))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (s *Server) hotIssues(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	days, top := 30, 10
	for name, dst := range map[string]*int{"days": &days, "top": &top} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 366 {
				writeError(w, r, s.log, fmt.Errorf("%w: %s %q is not a number from 1 to 366", errBadRequest, name, v))
				return
			}
			*dst = n
		}
	}
	items, err := hot.Load(r.Context(), s.db, time.Now().AddDate(0, 0, -days), s.scopeOf(acct.Actor()))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	issues := hot.Group(items, hot.Options{Now: time.Now()})
	if len(issues) > top {
		issues = issues[:top]
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": len(items), "issues": issues})
}

func (s *Server) duplicates(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	// Get checks that the account may read the ticket and records the read.
	if _, err := s.svc.Get(r.Context(), acct.Actor(), id, "duplicates"); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	sg, err := s.svc.Suggestions(r.Context(), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"suggestions": nonNil(sg)})
}

// unmergeRequest is the body of POST /api/tickets/{id}/unmerge.
type unmergeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) unmerge(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req unmergeRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, err := s.svc.Unmerge(r.Context(), acct.Actor(), id, req.Reason)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": t.ID, "state": t.State, "unit_id": t.UnitID})
}

// dismissRequest is the body of POST /api/tickets/{id}/dismiss-duplicate.
type dismissRequest struct {
	DuplicateOf int64 `json:"duplicate_of"`
}

// dismissDuplicate marks a duplicate suggestion of a ticket as wrong.
func (s *Server) dismissDuplicate(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req dismissRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.svc.DismissDuplicate(r.Context(), acct.Actor(), id, req.DuplicateOf); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket_id": id, "duplicate_of": req.DuplicateOf, "status": "dismissed"})
}

// consoleDismissDuplicate handles the 不是重复 button of a suggestion on the
// ticket page and returns to the page.
func (s *Server) consoleDismissDuplicate(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
	id, err := ticketID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	of, err := strconv.ParseInt(r.PostFormValue("duplicate_of"), 10, 64)
	if err != nil || of <= 0 {
		s.consoleError(w, r, fmt.Errorf("%w: ticket number %q is not a positive number", ticket.ErrInvalidInput,
			r.PostFormValue("duplicate_of")))
		return
	}
	if err := s.svc.DismissDuplicate(r.Context(), acct.Actor(), id, of); err != nil {
		s.consoleError(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(safeBack(r.PostFormValue("back")), workflow.ActDismissDuplicate), http.StatusSeeOther)
}

func (s *Server) reviewHints(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d, err := s.svc.Get(r.Context(), acct.Actor(), id, "review hints")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t := d.Ticket
	if t.Reply == "" {
		writeError(w, r, s.log, fmt.Errorf("%w: ticket %d has no reply to review", errBadRequest, id))
		return
	}
	hints := review.Check(review.Item{Title: t.Title, Body: t.Body, Place: t.Place}, t.Reply)
	writeJSON(w, http.StatusOK, map[string]any{"hints": hints, "fired": review.Fired(hints)})
}
