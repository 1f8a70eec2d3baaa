package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/kpi"
	"minyi/org"
	"minyi/ticket"
	"minyi/workflow"
)

// Route is one registered route and the permission it needs.
type Route struct {
	Method     string
	Pattern    string
	Permission Permission
	Handler    http.HandlerFunc
}

// apiRoutes is the JSON API's route table.
func (s *Server) apiRoutes() []Route {
	routes := []Route{
		{"GET", "/healthz", PermPublic, s.health},
		{"GET", "/api/me", PermSelf, s.me},
		{"POST", "/api/items", PermItemCreate, s.createItem},
		{"GET", "/api/tickets", PermTicketList, s.listTickets},
		{"GET", "/api/tickets/{id}", PermTicketRead, s.getTicket},
		{"GET", "/api/units", PermUnitList, s.listUnits},
		{"GET", "/api/kpi", PermKPIRead, s.getKPI},
		{"GET", "/api/attachments/{id}", PermTicketRead, s.apiAttachment},
		{"POST", "/api/tickets/{id}/kind", ActionPermission(workflow.ActRekind), s.apiRekind},
	}
	for _, act := range ticket.Actions() {
		switch act {
		case ticket.ActWithdraw, ticket.ActSupplement, ticket.ActMarkOverdue:
			continue // citizen-only or system-only actions have no staff route
		}
		routes = append(routes, Route{"POST", "/api/tickets/{id}/" + string(act), ActionPermission(act), s.actOn(act)})
	}
	return routes
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	writeJSON(w, http.StatusOK, acct)
}

// itemRequest is the body of POST /api/items.
type itemRequest struct {
	Channel    string `json:"channel"`
	ExternalID string `json:"external_id"`
	Kind       string `json:"kind"`
	Title      string `json:"title"`
	Body       string `json:"body"`
	Place      string `json:"place"`
	Phone      string `json:"phone"`
	Name       string `json:"name"`
	ReceivedAt string `json:"received_at"` // RFC 3339; a time without zone is read in the profile's zone

	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	CoordSystem string  `json:"coord_system"` // wgs84 (default), gcj02 or bd09
}

const maxBodyBytes = 1 << 20

var errBodyTooLarge = fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)

// decodeJSON reads exactly one JSON object of at most maxBodyBytes with no
// unknown fields and nothing after it.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("%w: reading the body failed: %v", errBadRequest, err)
	}
	if len(body) > maxBodyBytes {
		return errBodyTooLarge
	}
	// encoding/json would store invalid UTF-8 as U+FFFD without a word.
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: invalid JSON body: it is not valid UTF-8; send the text encoded as UTF-8", errBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: invalid JSON body: %s", errBadRequest, jsonErrorText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: invalid JSON body: data after the object", errBadRequest)
	}
	// No person types a NUL character, and PostgreSQL text cannot store one.
	if path := nulString(reflect.ValueOf(v), ""); path != "" {
		return fmt.Errorf("%w: invalid JSON body: field %q contains a NUL character (\\u0000)", errBadRequest, path)
	}
	return nil
}

// nulString returns the JSON path of the first string in v that contains a
// NUL character, or "" when none does. It walks pointers, structs (by their
// JSON names), maps and slices.
func nulString(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulString(v.Elem(), path)
		}
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			return strings.TrimPrefix(path, ".")
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			if p := nulString(v.Field(i), path+"."+name); p != "" {
				return p
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := fmt.Sprint(iter.Key().Interface())
			if strings.ContainsRune(key, 0) {
				return strings.TrimPrefix(path+"."+key, ".")
			}
			if p := nulString(iter.Value(), path+"."+key); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p := nulString(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// jsonErrorText describes a decoding error in the terms of JSON, without the
// Go type names that encoding/json puts in its messages.
func jsonErrorText(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "" && strings.HasPrefix(typ.Value, "number") &&
		strings.HasSuffix(jsonKind(typ.Type), "number"):
		return fmt.Sprintf("field %q is out of range for %s", typ.Field, jsonKind(typ.Type))
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("the body must be %s, not %s", jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names the JSON value that decodes into a Go type.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	var req itemRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	sub := workflow.Submission{Channel: req.Channel, ExternalID: req.ExternalID, Kind: req.Kind, Title: req.Title,
		Body: req.Body, Place: req.Place, Phone: req.Phone, Name: req.Name,
		Lat: req.Lat, Lon: req.Lon, CoordSystem: req.CoordSystem}
	if req.ReceivedAt != "" {
		t, err := parseTime(req.ReceivedAt, s.prof.Location)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		sub.ReceivedAt = t
	}
	submit := s.svc.Submit
	if s.group != nil {
		submit = s.group.Submit
	}
	t, created, err := submit(r.Context(), sub)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"id": t.ID, "tracking_code": t.TrackingCode, "state": t.State,
		"created": created, "unit_id": t.UnitID, "tag": t.Tag, "urgent": t.Urgent})
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q is not RFC 3339 or YYYY-MM-DD hh:mm:ss", errBadRequest, s)
}

func ticketID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: ticket id %q is not a positive number", workflow.ErrNotFound, r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d, err := s.svc.Get(r.Context(), acct.Actor(), id, r.URL.Query().Get("purpose"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	m := s.ticketJSON(d.Ticket, d.Events, acct)
	files := make([]map[string]any, 0, len(d.Attachments))
	for _, a := range d.Attachments {
		files = append(files, map[string]any{"id": a.ID, "name": a.Name, "content_type": a.ContentType,
			"size": a.Size, "sha256": a.SHA256, "replied_at": a.RepliedAt.In(s.prof.Location).Format(time.RFC3339),
			"actor": a.ActorName, "url": "/api/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	m["attachments"] = files
	photos, err := s.svc.TicketPhotos(r.Context(), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	pics := make([]map[string]any, 0, len(photos))
	for _, p := range photos {
		pics = append(pics, map[string]any{"id": p.ID, "content_type": p.ContentType, "width": p.Width,
			"height": p.Height, "url": "/api/photos/" + strconv.FormatInt(p.ID, 10)})
	}
	m["photos"] = pics
	co := make([]string, 0, len(d.CoHandlers))
	for _, c := range d.CoHandlers {
		co = append(co, c.UnitID)
	}
	m["cohandlers"] = co
	writeJSON(w, http.StatusOK, m)
}

// listParams are the query parameters GET /api/tickets reads. Any other
// parameter is rejected, so that a filter the list does not support, such
// as q for full-text search, fails instead of returning unfiltered tickets.
var listParams = []string{"state", "unit", "channel", "tag", "overdue", "urgent", "limit", "offset"}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	q := r.URL.Query()
	if err := checkParams(q, listParams); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f := workflow.Filter{UnitID: q.Get("unit"), Channel: q.Get("channel"), Tag: q.Get("tag")}
	var err error
	if f.Overdue, err = boolParam(q, "overdue"); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if f.Urgent, err = boolParam(q, "urgent"); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if f.Limit, err = intParam(q, "limit", 1, workflow.MaxListLimit); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if f.Offset, err = intParam(q, "offset", 0, maxListOffset); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	for _, st := range q["state"] {
		for _, one := range strings.Split(st, ",") {
			state := ticket.State(one)
			if !state.Valid() {
				writeError(w, r, s.log, fmt.Errorf("%w: unknown state %q", errBadRequest, one))
				return
			}
			f.States = append(f.States, state)
		}
	}
	list, err := s.svc.List(r.Context(), acct.Actor(), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, t := range list {
		out = append(out, s.ticketJSON(t, nil, acct))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out, "count": len(out)})
}

// maxListOffset bounds ?offset= of the ticket list, so that the database
// never skips more rows than a real client pages through.
const maxListOffset = 1_000_000

// boolParam reads a yes-or-no query parameter: 1, true, 0 or false, as
// strconv.ParseBool spells them. An absent or empty parameter is false.
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, newInputError(fmt.Sprintf("“%s”的值“%s”应为 1 或 0（true 或 false）。", name, v),
			fmt.Sprintf("%s=%q is not a yes-or-no value: use true or false", name, v))
	}
	return b, nil
}

// intParam reads a whole-number query parameter from lo to hi. An absent or
// empty parameter is 0, which means the default to the caller.
func intParam(q url.Values, name string, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s=%q is not a whole number from %d to %d", errBadRequest, name, v, lo, hi)
	}
	return n, nil
}

// checkParams returns a bad-request error naming the first query parameter,
// in sorted order, that is not among known.
func checkParams(q url.Values, known []string) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if slices.Contains(known, name) {
			continue
		}
		if name == "q" {
			return fmt.Errorf("%w: unknown query parameter \"q\": the ticket list has no text search, use GET /api/search?q=", errBadRequest)
		}
		return fmt.Errorf("%w: unknown query parameter %q: this route accepts %s", errBadRequest, name,
			strings.Join(known, ", "))
	}
	return nil
}

// actionRequest is the body of POST /api/tickets/{id}/{action}.
type actionRequest struct {
	Reason             string `json:"reason"`
	Unit               string `json:"unit"`
	Reply              string `json:"reply"`
	Rectified          bool   `json:"rectified"`
	NeedsRectification bool   `json:"needs_rectification"`
	Outcome            string `json:"outcome"`
	Into               int64  `json:"into"`
	Due                string `json:"due"`
	Destination        string `json:"destination"`
	Text               string `json:"text"` // note
}

func (s *Server) actOn(act ticket.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, _ := AccountFrom(r.Context())
		id, err := ticketID(r)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		var req actionRequest
		var files []workflow.Attachment
		switch {
		case act == ticket.ActReply && isMultipart(r):
			req, files, err = replyForm(w, r)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
		case r.ContentLength != 0:
			if err := decodeJSON(r, &req); err != nil {
				writeError(w, r, s.log, err)
				return
			}
		}
		in := ticket.Input{Reason: req.Reason, UnitID: req.Unit, Reply: req.Reply, Rectified: req.Rectified,
			NeedsRectification: req.NeedsRectification, Outcome: ticket.Outcome(req.Outcome), Into: req.Into,
			Destination: req.Destination, Text: req.Text}
		if req.Due != "" {
			due, err := parseTime(req.Due, s.prof.Location)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			in.Due = due
		}
		t, err := s.svc.Act(r.Context(), workflow.Command{TicketID: id, Actor: acct.Actor(), Action: act, Input: in,
			Attachments: files})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, s.ticketJSON(t, nil, acct))
	}
}

func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) {
	units, err := org.Units(r.Context(), s.db)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"units": units})
}

func (s *Server) getKPI(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	q := r.URL.Query()
	loc := s.prof.Location
	var from, to time.Time
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = kpi.ParseDay(v, loc); err != nil {
			writeError(w, r, s.log, fmt.Errorf("%w: from %q is not a day YYYY-MM-DD from %s to %s", errBadRequest, v,
				kpi.FirstDay, kpi.LastDay))
			return
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = kpi.ParseDay(v, loc); err != nil {
			writeError(w, r, s.log, fmt.Errorf("%w: to %q is not a day YYYY-MM-DD from %s to %s", errBadRequest, v,
				kpi.FirstDay, kpi.LastDay))
			return
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		writeError(w, r, s.log, fmt.Errorf("%w: to %s is before from %s", errBadRequest, q.Get("to"), q.Get("from")))
		return
	}
	unit := q.Get("unit")
	if acct.Role == ticket.RoleLeader && unit == "" {
		unit = acct.UnitID
	}
	if acct.Role == ticket.RoleLeader && !strings.HasPrefix(s.prof.UnitPath(unit), acct.UnitPath) {
		writeError(w, r, s.log, fmt.Errorf("unit %q: %w", unit, workflow.ErrNotFound))
		return
	}
	if unit != "" {
		if _, ok := s.prof.Unit(unit); !ok {
			writeError(w, r, s.log, fmt.Errorf("unit %q: %w", unit, workflow.ErrNotFound))
			return
		}
	}
	if s.isRootUnit(unit) {
		unit = "" // every ticket, those in triage included
	}
	if s.kpi == nil {
		writeError(w, r, s.log, fmt.Errorf("web: no KPI function configured"))
		return
	}
	rep, err := s.kpi(r.Context(), from, to, unit)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// ticketJSON renders a ticket for staff. It carries no personal data: the
// stored text is already masked and the vault is never read here.
func (s *Server) ticketJSON(t *ticket.Ticket, events []ticket.Event, acct org.Account) map[string]any {
	loc := s.prof.Location
	ts := func(v time.Time) any {
		if v.IsZero() {
			return nil
		}
		return v.In(loc).Format(time.RFC3339)
	}
	m := map[string]any{
		"id": t.ID, "tracking_code": t.TrackingCode, "channel": t.Channel, "external_id": t.ExternalID,
		"kind": t.Kind, "title": t.Title, "body": t.Body, "place": t.Place, "state": t.State,
		"state_label": t.State.Label(), "unit_id": t.UnitID, "tag": t.Tag, "tag_confidence": t.TagConfidence,
		"tag_source": t.TagSource, "route_source": t.RouteSource, "triage_reason": t.TriageReason,
		"priority": t.Priority, "urgent": t.Urgent, "supervised": t.Supervised, "supervise_due": ts(t.SuperviseDue),
		"extension": t.Extension, "overdue": t.Overdue, "received_at": ts(t.ReceivedAt),
		"accept_due": ts(t.AcceptDue), "accepted_at": ts(t.AcceptedAt), "reply_due": ts(t.ReplyDue),
		"replied_at": ts(t.RepliedAt), "reviewed_at": ts(t.ReviewedAt), "callback_due": ts(t.CallbackDue),
		"called_back_at": ts(t.CalledBackAt), "closed_at": ts(t.ClosedAt), "reply": t.Reply,
		"rectified": t.Rectified, "needs_rectification": t.NeedsRectification,
		"callback_result": t.CallbackResult, "callback_attempts": t.CallbackAttempts,
		"merged_into": t.MergedInto, "reopen_count": t.ReopenCount, "version": t.Version,
		"actions": nonNil(ticket.Available(t, readerOf(acct.Actor(), t))),
	}
	if u, ok := s.prof.Unit(t.UnitID); ok {
		m["unit_name"] = u.Name
	}
	if events != nil {
		tl := make([]map[string]any, 0, len(events))
		for _, ev := range events {
			tl = append(tl, map[string]any{"at": ts(ev.At), "actor": ev.ActorName, "role": ev.ActorRole,
				"action": ev.Action, "from": ev.From, "to": ev.To, "unit_id": ev.UnitID, "reason": ev.Reason,
				"details": ev.Details})
		}
		m["timeline"] = tl
		if feats := workflow.TagExplanation(t, events); feats != nil {
			m["tag_explain"] = feats // why the model chose the current tag
		}
	}
	return m
}

// nonNil returns s, or an empty slice when s is nil, so that JSON carries []
// rather than null for an empty list.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
