package web

import (
	"errors"
	"net/http"
	"strings"

	"minyi/privacy"
	"minyi/workflow"
)

// PermTicketContact lets a role call or message a ticket's citizen through
// the contact relay. Centre staff hold it for every ticket and unit handlers
// for the tickets of their units; the workflow checks the unit scope.
//
// NOTE: no role gets the masked-digit view (138****1111). Repeat callers are
// linked by the blind index in duplicate suggestions, which show no digit.
const PermTicketContact Permission = "ticket:contact"

// contactRoutes is the route table of the contact relay, in the console and the API.
func (s *Server) contactRoutes() []Route {
	return []Route{
		{"POST", "/console/tickets/{id}/contact", PermTicketContact, s.consoleContact},
		{"POST", "/api/tickets/{id}/contact", PermTicketContact, s.apiContact},
	}
}

// contactForm is the call-back and message section of the ticket page.
type contactForm struct {
	Configured bool // false: no relay provider, so the buttons are disabled with an explanation
}

// contactOutcomeJSON is the API form of a relay outcome. It never carries the citizen's number.
type contactOutcomeJSON struct {
	TicketID     int64  `json:"ticket_id"`
	Channel      string `json:"channel"`
	Status       string `json:"status"`
	MiddleNumber string `json:"middle_number,omitempty"`
	ExpiresAt    string `json:"expires_at,omitempty"`
}

func outcomeJSON(o privacy.Outcome) contactOutcomeJSON {
	out := contactOutcomeJSON{TicketID: o.TicketID, Channel: o.Action, Status: o.Status, MiddleNumber: o.MiddleNumber}
	if !o.ExpiresAt.IsZero() {
		out.ExpiresAt = o.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return out
}

// contactRequestJSON is the body of POST /api/tickets/{id}/contact.
type contactRequestJSON struct {
	Channel    string `json:"channel"`     // "call" or "message"
	StaffPhone string `json:"staff_phone"` // for calls
	Text       string `json:"text"`        // for messages
}

func (s *Server) apiContact(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req contactRequestJSON
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out, err := s.svc.Contact(r.Context(), acct.Actor(), id,
		workflow.ContactRequest{Channel: req.Channel, StaffPhone: req.StaffPhone, Text: req.Text})
	switch {
	case errors.Is(err, workflow.ErrNoRelay):
		writeJSON(w, http.StatusServiceUnavailable, map[string]apiError{"error": {Code: "no_relay",
			Message: "no contact relay provider is configured; set MINYI_RELAY_URL"}})
	case errors.Is(err, workflow.ErrContactFailed) && out.Status == privacy.OutcomeNoPhone:
		// Not a gateway fault: the citizen left no number, or it was shredded.
		writeJSON(w, http.StatusConflict, outcomeJSON(out))
	case errors.Is(err, workflow.ErrContactFailed):
		// The attempt is recorded, and the status gives the reason it did not reach the citizen.
		writeJSON(w, http.StatusBadGateway, outcomeJSON(out))
	case err != nil:
		writeError(w, r, s.log, err)
	default:
		writeJSON(w, http.StatusOK, outcomeJSON(out))
	}
}

// consoleContact handles the 回拨 and 发短信 forms of the ticket page and
// returns to the page, whose timeline shows the outcome and, for a call, the
// middle number to dial.
func (s *Server) consoleContact(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
	id, err := ticketID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	req := workflow.ContactRequest{Channel: r.PostFormValue("channel"),
		StaffPhone: strings.TrimSpace(r.PostFormValue("staff_phone")), Text: r.PostFormValue("text")}
	out, err := s.svc.Contact(r.Context(), acct.Actor(), id, req)
	back := "/console/tickets/" + r.PathValue("id")
	switch {
	case errors.Is(err, workflow.ErrNoRelay), errors.Is(err, workflow.ErrContactFailed):
		v := s.newView(w, r, "title.error")
		key := "contact.no_relay"
		if errors.Is(err, workflow.ErrContactFailed) {
			key = "contact.failed"
		}
		v.Error = consoleText(v.Lang, key)
		v.Back = back
		status := http.StatusServiceUnavailable
		if key == "contact.failed" {
			status = http.StatusBadGateway
			if out.Status == privacy.OutcomeNoPhone {
				key, status = "contact.no_phone", http.StatusConflict
				v.Error = consoleText(v.Lang, key)
			}
		}
		s.render(w, r, status, "error", v)
	case err != nil:
		s.consoleError(w, r, err)
	default:
		http.Redirect(w, r, withDone(back, workflow.ActContact), http.StatusSeeOther)
	}
}
