package web

import (
	"net/http"
	"strconv"

	"minyi/workflow"
)

// alertView is one urgent alert as the alert bar shows it.
type alertView struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Tag      string `json:"tag"`
	Unit     string `json:"unit"`
	State    string `json:"state"`
	Received string `json:"received"`
	Reason   string `json:"reason"`
}

func (s *Server) alertViews(lang string, alerts []workflow.UrgentAlert) []alertView {
	v := &consoleView{s: s, Lang: lang}
	out := make([]alertView, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, alertView{ID: a.TicketID, Code: a.TrackingCode, Tag: a.Tag, Unit: v.UnitName(a.UnitID),
			State: stateText(lang, a.State), Received: v.When(a.ReceivedAt), Reason: a.Reason})
	}
	return out
}

// alertsJSON serves the alert poll of the centre pages.
func (s *Server) alertsJSON(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	alerts, err := s.svc.UrgentAlerts(r.Context(), acct.Actor())
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": s.alertViews(s.lang(w, r), alerts)})
}

// alertAck records the acknowledgement of an urgent ticket and returns to
// the page the form came from.
func (s *Server) alertAck(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.consoleError(w, r, workflow.ErrNotFound)
		return
	}
	if err := s.svc.AcknowledgeUrgent(r.Context(), acct.Actor(), id); err != nil {
		s.consoleError(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(safeBack(r.PostFormValue("back")), workflow.ActAcknowledgeUrgent), http.StatusSeeOther)
}
