package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"minyi/privacy"
	"minyi/ticket"
	"minyi/workflow"
)

// PermTicketContact lets a role call or message a ticket's citizen through
// the contact relay. Centre staff hold it for every ticket and unit handlers
// for the tickets of their units; the workflow checks the unit scope.
const PermTicketContact Permission = "ticket:contact"

// PermTicketPhoneHint lets a role view a ticket's phone number with its middle
// hidden (138****1111), with a purpose recorded in the access log. Only
// centre staff hold it, because they take the hotline calls and make the
// call-backs. The workflow checks the role again.
const PermTicketPhoneHint Permission = "ticket:phone_hint"

// contactRoutes is the route table of the contact relay and the phone hint, in the console and the API.
func (s *Server) contactRoutes() []Route {
	return []Route{
		{"POST", "/console/tickets/{id}/contact", PermTicketContact, s.consoleContact},
		{"POST", "/api/tickets/{id}/contact", PermTicketContact, s.apiContact},
		{"POST", "/console/tickets/{id}/phone-hint", PermTicketPhoneHint, s.consolePhoneHint},
		{"POST", "/api/tickets/{id}/phone-hint", PermTicketPhoneHint, s.apiPhoneHint},
	}
}

// contactForm is the call-back and message section of the ticket page.
type contactForm struct {
	Configured bool // false: no relay provider, so the buttons are disabled with an explanation
	// PhoneHint shows the form that reveals the masked number, for a role holding PermTicketPhoneHint.
	PhoneHint bool
	Purposes  []string // the choice of purposes of that form: workflow.HintPurposes
}

// newContactForm returns the contact section of the ticket page for role.
func (s *Server) newContactForm(role ticket.Role) *contactForm {
	f := &contactForm{Configured: s.svc.HasRelay()}
	if Allowed(role, PermTicketPhoneHint) {
		f.PhoneHint, f.Purposes = true, workflow.HintPurposes
	}
	return f
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

// phoneHintData is the page that shows a phone hint.
type phoneHintData struct {
	TicketID int64
	Hint     string // such as 138****1111, never the whole number
	Purpose  string // one of workflow.HintPurposes
}

// parseHintPurpose checks the purpose of a phone hint request, with the
// error in Chinese and English.
func parseHintPurpose(purpose string) (string, error) {
	purpose = strings.TrimSpace(purpose)
	for _, p := range workflow.HintPurposes {
		if purpose == p {
			return purpose, nil
		}
	}
	return "", newInputError("请选择查看号码的用途。",
		fmt.Sprintf("purpose %q is missing or invalid; use one of %s", purpose, strings.Join(workflow.HintPurposes, ", ")))
}

// consolePhoneHint handles the 查看号码片段 form of the ticket page. It is a
// POST because each view writes an access record; the page it renders is not
// cached (render sets Cache-Control: no-store).
func (s *Server) consolePhoneHint(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
	id, err := ticketID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	purpose, err := parseHintPurpose(r.PostFormValue("purpose"))
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	hint, err := s.svc.PhoneHint(r.Context(), acct.Actor(), id, purpose)
	switch {
	case errors.Is(err, workflow.ErrNoPhone):
		v := s.newView(w, r, "title.error")
		v.Error = consoleText(v.Lang, "hint.no_phone")
		v.Back = "/console/tickets/" + r.PathValue("id")
		s.render(w, r, http.StatusConflict, "error", v)
	case err != nil:
		s.consoleError(w, r, err)
	default:
		v := s.newView(w, r, "title.phone_hint")
		v.Back = "/console/tickets/" + r.PathValue("id")
		v.Data = phoneHintData{TicketID: id, Hint: hint, Purpose: purpose}
		s.render(w, r, http.StatusOK, "phone_hint", v)
	}
}

// phoneHintJSON is the API form of a phone hint.
type phoneHintJSON struct {
	TicketID  int64  `json:"ticket_id"`
	PhoneHint string `json:"phone_hint"`
	Purpose   string `json:"purpose"`
}

// apiPhoneHint handles POST /api/tickets/{id}/phone-hint with the body
// {"purpose": "verify_caller"}.
func (s *Server) apiPhoneHint(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	purpose, err := parseHintPurpose(req.Purpose)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	hint, err := s.svc.PhoneHint(r.Context(), acct.Actor(), id, purpose)
	switch {
	case errors.Is(err, workflow.ErrNoPhone):
		writeJSON(w, http.StatusConflict, map[string]apiError{"error": {Code: "no_phone",
			Message: "the ticket has no phone number, or it was deleted after the retention period; the view is recorded"}})
	case err != nil:
		writeError(w, r, s.log, err)
	default:
		writeJSON(w, http.StatusOK, phoneHintJSON{TicketID: id, PhoneHint: hint, Purpose: purpose})
	}
}

// phoneHintTexts are the console texts of the phone hint, Chinese first.
var phoneHintTexts = map[string][2]string{
	"title.phone_hint": {"来电号码核对", "Caller number check"},
	"hint.note": {"需要辨认来电群众时，可查看号码的一部分：手机号显示前三位和后四位，固定电话只显示后两位。每次查看都连同用途记入访问日志。",
		"To recognise a caller you may view part of the number: the first three and last four digits of a mobile, " +
			"the last two of a landline. Each view is recorded in the access log with its purpose."},
	"hint.purpose":               {"查看用途", "Purpose"},
	"hint.purpose.verify_caller": {"核实来电人是否为本件群众", "Verify that a caller is this ticket's citizen"},
	"hint.purpose.repeat_caller": {"辨别是否同一群众重复来电", "Tell whether a repeat caller is the same citizen"},
	"hint.purpose.callback":      {"回访时群众询问所留号码", "The citizen asks during a call-back which number they left"},
	"hint.show":                  {"查看号码片段", "Show the masked number"},
	"hint.number":                {"号码（中间已隐藏）", "Number (middle digits hidden)"},
	"hint.ticket":                {"工单", "Ticket"},
	"hint.recorded":              {"本次查看已记入访问日志。用途：", "This view is recorded in the access log. Purpose: "},
	"hint.no_phone": {"这位群众没有留下有效的电话号码（或已按保存期限删除）。本次查看已记入访问日志。",
		"The citizen left no valid phone number, or it was deleted after the retention period. The view is recorded in the access log."},
}

func init() { addConsoleTexts("phone hint", phoneHintTexts) }
