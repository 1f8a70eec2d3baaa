package web

import (
	"net/http"
	"strings"
	"time"

	"minyi/dispatch"
	"minyi/review"
	"minyi/ticket"
	"minyi/workflow"
)

// listRows lists tickets through workflow.List, which limits them to the
// account's units and records the access, and adds the forms of only.
func (s *Server) listRows(r *http.Request, v *consoleView, f workflow.Filter, only ...ticket.Action) ([]consoleRow, error) {
	list, err := s.svc.List(r.Context(), v.Account.Actor(), f)
	if err != nil {
		return nil, err
	}
	return v.rows(list, only...), nil
}

func (v *consoleView) rows(list []*ticket.Ticket, only ...ticket.Action) []consoleRow {
	out := make([]consoleRow, 0, len(list))
	for _, t := range list {
		out = append(out, consoleRow{V: v, T: t, Forms: v.formsFor(t, only...)})
	}
	return out
}

func ticketIDs(rows []consoleRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.T.ID
	}
	return out
}

// triageData is one page of the centre's triage queue.
type triageData struct {
	Rows  []consoleRow
	Pager consolePager
}

// triagePageSize is the number of tickets a page of the triage queue shows.
const triagePageSize = 50

// triagePage shows the triage queue a page at a time (?page=N), in the order
// of workflow.List: overdue first, then the nearest reply deadline, then the
// newest.
func (s *Server) triagePage(w http.ResponseWriter, r *http.Request) {
	page, err := pageNumber(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	v := s.newView(w, r, "title.triage")
	v.Back = withPage(r.URL.Path, page) // an action on a later page returns to it
	f := workflow.Filter{States: []ticket.State{ticket.Received, ticket.Triage, ticket.Reopened},
		Limit: triagePageSize, Offset: (page - 1) * triagePageSize}
	list, total, err := s.svc.ListPage(r.Context(), v.Account.Actor(), f)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	rows := v.rows(list, ticket.ActTriage, ticket.ActDispatch, ticket.ActMerge, ticket.ActInvalidate, ticket.ActTransferOut)
	explained, err := s.svc.LatestEvents(r.Context(), ticketIDs(rows), ticket.ActTriage, ticket.ActDispatch)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	for i := range rows {
		rows[i].Explain = explained[rows[i].T.ID].Details["explain"]
		if reason, ok := strings.CutPrefix(rows[i].T.TriageReason, "returned: "); ok {
			rows[i].NoteKey, rows[i].Note = "returned_by", reason
		}
		for j := range rows[i].Forms {
			if rows[i].Forms[j].Action == ticket.ActDispatch {
				rows[i].Forms[j].Inline = true
			}
		}
	}
	v.Data = triageData{Rows: rows, Pager: newConsolePager(r, page, triagePageSize, total)}
	s.render(w, r, http.StatusOK, "triage", v)
}

// inboxData is a unit's work list.
type inboxData struct {
	ToSign, InHand, Returned, Replied []consoleRow
	CoHandling                        []consoleRow // tickets of other units that this unit co-handles
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "title.inbox")
	var d inboxData
	sections := []struct {
		into   *[]consoleRow
		states []ticket.State
	}{
		{&d.ToSign, []ticket.State{ticket.Dispatched}},
		{&d.InHand, []ticket.State{ticket.Accepted}},
		{&d.Returned, []ticket.State{ticket.Triage}},
		{&d.Replied, []ticket.State{ticket.Replied}},
	}
	for _, sec := range sections {
		rows, err := s.listRows(r, v, workflow.Filter{States: sec.states, Limit: 200})
		if err != nil {
			s.consoleError(w, r, err)
			return
		}
		*sec.into = nil
		for _, row := range rows {
			if readerOf(v.Account.Actor(), row.T).CoHandler {
				d.CoHandling = append(d.CoHandling, row)
			} else {
				*sec.into = append(*sec.into, row)
			}
		}
	}
	// A ticket in hand whose reply the centre rejected shows the rejection and its comment.
	last, err := s.svc.LatestEvents(r.Context(), ticketIDs(d.InHand), ticket.ActAccept, ticket.ActReject)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	for i := range d.InHand {
		if ev := last[d.InHand[i].T.ID]; ev.Action == ticket.ActReject {
			d.InHand[i].NoteKey, d.InHand[i].Note = "rejected", ev.Reason
		}
	}
	for i := range d.Returned {
		d.Returned[i].NoteKey = "returned_by"
		d.Returned[i].Note = strings.TrimPrefix(d.Returned[i].T.TriageReason, "returned: ")
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "inbox", v)
}

// ticketData is one ticket with its timeline and the forms of the actions
// the account may take on it now.
type ticketData struct {
	T      *ticket.Ticket
	Events []timelineEvent
	Forms  []actionForm
	// Contact is the relay section: nil for a role that may not contact citizens.
	Contact *contactForm
	// TagExplain is what weighed most for the model's tag; nil when staff or a rule set it.
	TagExplain []dispatch.Feature
	// CoHandling is set when the account reads the ticket as a co-handler.
	CoHandling  bool
	CoHandlers  []workflow.CoHandler
	Attachments []workflow.Attachment
	Photos      []workflow.Photo // the citizen's photos, without their bytes
	Duplicates  []workflow.Suggestion
	CanMerge    bool // the account may merge this ticket into a suggested one with one click
	// Kinds is the choice of the kind correction form; nil when the account may not change the kind now.
	Kinds []selectOption
}

// timelineEvent is one timeline step with its details in display order.
type timelineEvent struct {
	ticket.Event
	Lines []timelineDetail
}

type timelineDetail struct{ Key, Value string }

// timelineDetailKeys orders the event details the timeline shows first. Other keys follow.
var timelineDetailKeys = []string{"outcome", "attempt", "from_tag", "to_tag", "from_kind", "to_kind", "route",
	"destination", "into", "due", "reply_due", "needs_rectification", "rectified", "channel", "explain"}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	d, err := s.svc.Get(r.Context(), acct.Actor(), id, "console")
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	v := s.newView(w, r, "title.ticket")
	data := ticketData{T: d.Ticket, Forms: v.formsFor(d.Ticket), TagExplain: workflow.TagExplanation(d.Ticket, d.Events)}
	data.CoHandling, data.CoHandlers, data.Attachments = d.Reader.CoHandler, d.CoHandlers, d.Attachments
	if data.Duplicates, err = s.svc.Suggestions(r.Context(), id); err != nil {
		s.consoleError(w, r, err)
		return
	}
	data.CanMerge = ticket.Allowed(ticket.ActMerge, d.Ticket.State, acct.Role)
	data.Kinds = v.kindOptions(d.Ticket)
	// The citizen's photos belong to the content; Get above checked the
	// scope and recorded the read, and each download is checked again.
	if data.Photos, err = s.svc.TicketPhotos(r.Context(), id); err != nil {
		s.consoleError(w, r, err)
		return
	}
	// Only the lead unit and the centre contact the citizen.
	if Allowed(acct.Role, PermTicketContact) && !d.Reader.CoHandler {
		data.Contact = s.newContactForm(acct.Role)
	}
	for _, ev := range d.Events {
		data.Events = append(data.Events, timelineEvent{Event: ev, Lines: timelineDetails(ev.Details, s.prof.Location)})
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "ticket", v)
}

// timelineDetails returns the details of an event in display order. Times,
// which events store in UTC (RFC 3339), are shown in loc, the profile's zone.
func timelineDetails(m map[string]string, loc *time.Location) []timelineDetail {
	var out []timelineDetail
	seen := map[string]bool{}
	show := func(val string) string {
		if at, err := time.Parse(time.RFC3339, val); err == nil && loc != nil {
			return at.In(loc).Format("2006-01-02 15:04")
		}
		return val
	}
	for _, k := range timelineDetailKeys {
		if val, ok := m[k]; ok && val != "" {
			out = append(out, timelineDetail{k, show(val)})
			seen[k] = true
		}
	}
	for k, val := range m {
		if !seen[k] && val != "" && k != workflow.DetailExplainFeatures { // shown beside the tag
			out = append(out, timelineDetail{k, show(val)})
		}
	}
	return out
}

// reviewData is the centre's review, call-back and extension queues.
type reviewData struct {
	Review, Callback, Followers, Extension []consoleRow
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "title.review")
	var d reviewData
	var err error
	if d.Review, err = s.listRows(r, v, workflow.Filter{States: []ticket.State{ticket.Replied}, Limit: 200},
		ticket.ActApprove, ticket.ActReject); err != nil {
		s.consoleError(w, r, err)
		return
	}
	// Before a reviewer approves a reply, minyi checks it against the item:
	// does it name the place and the problem, say what was done and by when,
	// and say more than a form sentence.
	for i := range d.Review {
		t := d.Review[i].T
		hints := review.Check(review.Item{Title: t.Title, Body: t.Body, Place: t.Place}, t.Reply)
		for _, h := range hints {
			if h.Fired {
				d.Review[i].Hints = append(d.Review[i].Hints, h.Message)
			}
		}
	}
	if d.Callback, err = s.listRows(r, v, workflow.Filter{States: []ticket.State{ticket.Reviewed}, Limit: 200},
		ticket.ActCallback); err != nil {
		s.consoleError(w, r, err)
		return
	}
	ext, err := s.svc.ListQueue(r.Context(), v.Account.Actor(), workflow.QueueExtension, 200)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	d.Extension = v.rows(ext, ticket.ActGrantExtension, ticket.ActDenyExtension)
	followers, err := s.svc.ListQueue(r.Context(), v.Account.Actor(), workflow.QueueFollowers, 200)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	d.Followers = v.rows(followers, ticket.ActCallback)
	for _, rows := range [][]consoleRow{d.Review, d.Callback, d.Followers} {
		for i := range rows {
			for j := range rows[i].Forms {
				rows[i].Forms[j].Inline = true
			}
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "review", v)
}

// supervisionData is the supervision board.
type supervisionData struct {
	Units []workflow.UnitLoad
	Rows  []consoleRow
}

func (s *Server) supervisionPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "title.super")
	units, err := s.svc.SupervisionBoard(r.Context(), v.Account.Actor())
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	list, err := s.svc.ListQueue(r.Context(), v.Account.Actor(), workflow.QueueSupervision, 200)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	v.Data = supervisionData{Units: units, Rows: v.rows(list, ticket.ActSupervise)}
	s.render(w, r, http.StatusOK, "supervision", v)
}
