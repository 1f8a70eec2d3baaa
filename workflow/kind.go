package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// ActRekind records a kind correction by centre staff. Its details carry the
// old and the new kind, so that the kind model can learn from it.
const ActRekind ticket.Action = "rekind"

// complaintKind is the kind that, on a ticket naming an officer, makes the
// ticket a complaint about that officer's conduct (see ConductComplaint).
const complaintKind = "投诉"

// Rekind replaces the kind of an open ticket with one of the profile's kinds
// chosen by centre staff, writes a ticket_tags row for head "kind" with
// confidence 1 and source "staff:LOGIN", and records an ActRekind event.
//
// A kind equal to the current one confirms it: staff have looked at the
// ticket and agree, as the dispatch form of the triage queue requests.
// Unless staff set the kind already, its ticket_tags row then gets the same
// confidence and source, so classify.Corrections counts the ticket as a
// labelled example, but the ticket and its events stay as they are. Only centre staff may
// change the kind (ticket.ErrForbidden otherwise). A kind outside the
// profile returns ticket.ErrInvalidInput and an ended ticket a
// *ticket.TransitionError.
//
// The kind decides no unit, deadline or KPI figure, because those follow the
// tag, so 表扬 (praise) is corrected like any other kind. The exception is a
// ticket naming an officer: as 投诉 it is a conduct complaint for the
// discipline unit. A change to or from 投诉 on such a ticket would move it into
// or out of that handling, so it returns ticket.ErrInvalidInput.
func (s *Service) Rekind(ctx context.Context, actor ticket.Actor, id int64, kind string) (*ticket.Ticket, error) {
	kind, err := s.checkRekind(actor, id, kind)
	if err != nil {
		return nil, err
	}
	at := s.opts.Now().UTC().Truncate(time.Millisecond)
	var out *ticket.Ticket
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		out = t
		return s.rekindTx(ctx, tx, actor, t, kind, at)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRekind checks that actor may give ticket id a kind and returns the
// kind trimmed.
func (s *Service) checkRekind(actor ticket.Actor, id int64, kind string) (string, error) {
	if actor.Role != ticket.RoleCentre {
		return "", fmt.Errorf("ticket %d: role %s may not change the kind: %w", id, actor.Role, ticket.ErrForbidden)
	}
	kind = strings.TrimSpace(kind)
	if !slices.Contains(s.prof.Kinds, kind) {
		return "", fmt.Errorf("%w: kind %q is not one of %s", ticket.ErrInvalidInput, kind,
			strings.Join(s.prof.Kinds, ", "))
	}
	return kind, nil
}

// rekindTx is the body of Rekind within tx, on t as loaded there.
func (s *Service) rekindTx(ctx context.Context, tx *store.Tx, actor ticket.Actor, t *ticket.Ticket, kind string,
	at time.Time) error {
	if t.State.Ended() {
		return &ticket.TransitionError{Action: ActRekind, State: t.State}
	}
	if t.Kind == kind {
		return s.confirmKind(ctx, tx, actor, t)
	}
	if t.OfficerID != "" && (t.Kind == complaintKind || kind == complaintKind) {
		return fmt.Errorf("%w: ticket %d names an officer, so changing its kind from %q to %q would change "+
			"whether the discipline unit handles it as a conduct complaint", ticket.ErrInvalidInput, t.ID, t.Kind, kind)
	}
	details, err := kindDetails(ctx, tx, t, kind)
	if err != nil {
		return err
	}
	ev := ticket.Event{TicketID: t.ID, At: at, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
		Action: ActRekind, From: t.State, To: t.State, UnitID: t.UnitID, Details: details}
	loaded := t.Version
	t.Kind = kind
	t.Version++
	if err := saveTicket(ctx, tx, t, loaded, at.UnixMilli()); err != nil {
		return err
	}
	if err := saveTags(ctx, tx, t.ID, "kind", kind, 1, "staff:"+actor.Login); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return err
	}
	return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: t.ID,
		Fields: []string{"kind"}, Purpose: string(ActRekind), Result: "ok"})
}

// confirmKind records that actor agrees with t's kind, unless staff set or
// confirmed it before.
func (s *Service) confirmKind(ctx context.Context, tx *store.Tx, actor ticket.Actor, t *ticket.Ticket) error {
	var source string
	err := tx.QueryRowContext(ctx, `SELECT source FROM ticket_tags WHERE ticket_id = ? AND head = 'kind'`, t.ID).Scan(&source)
	switch {
	case err == nil && strings.HasPrefix(source, "staff:"):
		return nil
	case err != nil && !isNoRows(err):
		return fmt.Errorf("workflow: kind of ticket %d: %w", t.ID, err)
	}
	if err := saveTags(ctx, tx, t.ID, "kind", t.Kind, 1, "staff:"+actor.Login); err != nil {
		return err
	}
	return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: t.ID,
		Fields: []string{"kind"}, Purpose: "confirm_kind", Result: "ok"})
}

// kindDetails returns the details of an ActRekind event on t: the old and
// the new kind, and the source and confidence of the old kind when a model or
// staff set it. A kind the submission carried has no ticket_tags row.
func kindDetails(ctx context.Context, tx *store.Tx, t *ticket.Ticket, kind string) (map[string]string, error) {
	details := map[string]string{"from_kind": t.Kind, "to_kind": kind}
	var source string
	var confidence float64
	err := tx.QueryRowContext(ctx, `SELECT source, confidence FROM ticket_tags WHERE ticket_id = ? AND head = 'kind'`,
		t.ID).Scan(&source, &confidence)
	switch {
	case isNoRows(err):
		return details, nil
	case err != nil:
		return nil, fmt.Errorf("workflow: kind of ticket %d: %w", t.ID, err)
	}
	details["from_kind_source"] = source
	details["from_kind_confidence"] = strconv.FormatFloat(confidence, 'f', 3, 64)
	return details, nil
}
