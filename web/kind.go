package web

import (
	"net/http"

	"minyi/ticket"
	"minyi/workflow"
)

// kindRequest is the body of POST /api/tickets/{id}/kind.
type kindRequest struct {
	Kind string `json:"kind"`
}

// apiRekind corrects a ticket's kind and returns the ticket.
func (s *Server) apiRekind(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := ticketID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req kindRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, err := s.svc.Rekind(r.Context(), acct.Actor(), id, req.Kind)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ticketJSON(t, nil, acct))
}

// consoleRekind handles the kind correction form of the ticket page and
// returns to the page.
func (s *Server) consoleRekind(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
	id, err := ticketID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	if _, err := s.svc.Rekind(r.Context(), acct.Actor(), id, r.PostFormValue("kind")); err != nil {
		s.consoleError(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(safeBack(r.PostFormValue("back")), workflow.ActRekind), http.StatusSeeOther)
}

// kindOptions returns the profile's kinds for the kind correction form of t.
// Only centre staff may change the kind, and only while t is open, so it
// returns nil for other accounts and for ended tickets.
func (v *consoleView) kindOptions(t *ticket.Ticket) []selectOption {
	if v.Account.Role != ticket.RoleCentre || !Allowed(v.Account.Role, ActionPermission(workflow.ActRekind)) ||
		t.State.Ended() {
		return nil
	}
	out := make([]selectOption, 0, len(v.s.prof.Kinds))
	for _, k := range v.s.prof.Kinds {
		out = append(out, selectOption{Value: k, Label: k, Selected: k == t.Kind})
	}
	return out
}
