package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyi/ticket"
	"minyi/workflow"
)

// maxConsoleFormBytes bounds a console form, which is large enough for a reply of several pages.
const maxConsoleFormBytes = 256 << 10

// consoleAct handles the form of one ticket action: it runs the same
// workflow.Act as the JSON API and returns to the page the form came from.
// On dispatch, the tag and the kind of the form are corrected or confirmed
// in the dispatch's transaction (workflow.Command's Tag and Kind), so the
// deadlines follow the new tag and a dispatch that fails changes neither.
func (s *Server) consoleAct(act ticket.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, _ := AccountFrom(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, maxConsoleFormBytes)
		id, err := ticketID(r)
		if err != nil {
			s.consoleError(w, r, err)
			return
		}
		in, err := s.formInput(r, act)
		if err != nil {
			s.consoleError(w, r, err)
			return
		}
		var files []workflow.Attachment
		if act == ticket.ActReply {
			if files, err = readReplyFiles(r); err != nil {
				s.consoleError(w, r, err)
				return
			}
		}
		cmd := workflow.Command{TicketID: id, Actor: acct.Actor(), Action: act, Input: in, Attachments: files}
		if act == ticket.ActDispatch {
			cmd.Tag = strings.TrimSpace(r.PostFormValue("tag"))
			cmd.Kind = strings.TrimSpace(r.PostFormValue("kind"))
			cmd.TagShown = r.PostFormValue("tag_shown")
			cmd.KindShown = r.PostFormValue("kind_shown")
		}
		if _, err := s.svc.Act(r.Context(), cmd); err != nil {
			s.consoleError(w, r, err)
			return
		}
		http.Redirect(w, r, withDone(safeBack(r.PostFormValue("back")), act), http.StatusSeeOther)
	}
}

// formInput reads the fields of an action form. The reply form is
// multipart, because it carries evidence files, and authorize has parsed it
// within the upload limit already. Each action reads only the fields it
// needs, and the ticket domain checks that they are complete.
func (s *Server) formInput(r *http.Request, act ticket.Action) (ticket.Input, error) {
	if err := r.ParseForm(); err != nil {
		return ticket.Input{}, fmt.Errorf("%w: unreadable form: %v", errBadRequest, err)
	}
	field := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	in := ticket.Input{
		Reason:             field("reason"),
		UnitID:             field("unit"),
		Reply:              field("reply"),
		NeedsRectification: field("needs_rectification") == "1",
		Outcome:            ticket.Outcome(field("outcome")),
		Destination:        field("destination"),
		Text:               field("text"),
	}
	in.Rectified = in.NeedsRectification && field("rectified") == "1"
	if v := field("into"); v != "" {
		into, err := strconv.ParseInt(normalizeTicketNumber(v), 10, 64)
		if err != nil || into <= 0 {
			return in, fmt.Errorf("%w: ticket number %q is not a positive number", ticket.ErrInvalidInput, v)
		}
		in.Into = into
	}
	if v := field("due"); v != "" {
		due, err := parseLocalDateTime(normalizeFormDate(v), s.prof.Location)
		if err != nil {
			return in, err
		}
		in.Due = due
	}
	if act == ticket.ActCallback && !in.Outcome.Valid() {
		return in, fmt.Errorf("%w: choose a call-back outcome", ticket.ErrInvalidInput)
	}
	return in, nil
}

// parseLocalDateTime reads the value of a datetime-local field (or a date
// and time with a space) in the profile's zone.
func parseLocalDateTime(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q is not YYYY-MM-DD hh:mm", ticket.ErrInvalidInput, v)
}
