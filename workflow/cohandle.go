package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// CoHandler is a unit invited to co-handle a ticket (协办). Its handlers may
// read the ticket and add notes to its timeline, and only the lead unit replies.
type CoHandler struct {
	UnitID    string
	InvitedAt time.Time
}

// ConductComplaint reports whether t is a complaint about an officer's
// conduct: a ticket of the discipline unit's subtree, a ticket with a
// conduct tag, or a complaint that names an officer. No co-handler may see one.
func (s *Service) ConductComplaint(t *ticket.Ticket) bool {
	if d := s.prof.DisciplineUnit; d != "" {
		if t.UnitID == d || strings.HasPrefix(t.UnitPath, s.prof.UnitPath(d)) {
			return true
		}
	}
	if tag, ok := s.prof.Tag(t.Tag); ok && tag.Conduct {
		return true
	}
	return t.OfficerID != "" && t.Kind == "投诉"
}

// coHandles reports whether the actor, a handler or leader that cannot read
// t by its units, has a unit in its subtree that t's current lead unit
// invited to co-handle t. Conduct complaints are never co-handled.
func (s *Service) coHandles(ctx context.Context, q store.Querier, actor ticket.Actor, t *ticket.Ticket) (bool, error) {
	if actor.Role != ticket.RoleHandler && actor.Role != ticket.RoleLeader {
		return false, nil
	}
	if actor.UnitPath == "" || t.UnitID == "" || s.ConductComplaint(t) {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_cohandlers
		WHERE ticket_id = ? AND lead_unit_id = ? AND unit_path LIKE ?`, t.ID, t.UnitID, actor.UnitPath+"%").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("workflow: co-handlers of ticket %d: %w", t.ID, err)
	}
	return n > 0, nil
}

// admit returns the actor as it may act on t: with CoHandler set when it
// reads t only as a co-handler. A CoHandler flag the caller set is dropped
// first, so only the workflow's own records grant it.
func (s *Service) admit(ctx context.Context, q store.Querier, actor ticket.Actor, t *ticket.Ticket) (ticket.Actor, error) {
	actor.CoHandler = false
	if actor.CanRead(t) {
		return actor, nil
	}
	co, err := s.coHandles(ctx, q, actor, t)
	if err != nil {
		return actor, err
	}
	actor.CoHandler = co
	return actor, nil
}

// coHandledClause returns an SQL condition on the tickets table that admits
// the tickets a unit within scope co-handles, with its arguments. It repeats
// coHandles and ConductComplaint in SQL.
func (s *Service) coHandledClause(scope string) (string, []any) {
	cond := `EXISTS (SELECT 1 FROM ticket_cohandlers c WHERE c.ticket_id = tickets.id
		AND c.lead_unit_id = tickets.unit_id AND c.unit_path LIKE ?)
		AND NOT (kind = '投诉' AND COALESCE(officer_id, '') <> '')`
	args := []any{scope + "%"}
	if d := s.prof.DisciplineUnit; d != "" {
		cond += ` AND unit_id <> ? AND unit_path NOT LIKE ?`
		args = append(args, d, s.prof.UnitPath(d)+"%")
	}
	var conduct []string
	for _, tag := range s.prof.Tags {
		if tag.Conduct {
			conduct = append(conduct, "?")
			args = append(args, tag.Name)
		}
	}
	if len(conduct) > 0 {
		cond += ` AND tag NOT IN (` + strings.Join(conduct, ", ") + `)`
	}
	return "(" + cond + ")", args
}

// inviteInput checks an invitation before ticket.Apply runs: the unit must
// exist and the ticket must not be a conduct complaint.
func (s *Service) inviteInput(actor ticket.Actor, t *ticket.Ticket, in ticket.Input) (ticket.Input, error) {
	if !actor.CanRead(t) {
		return in, nil // Apply rejects it as out of scope, which must not reveal what the ticket is
	}
	if s.ConductComplaint(t) {
		return in, fmt.Errorf("%w: a complaint about an officer's conduct cannot be co-handled", ticket.ErrInvalidInput)
	}
	if in.UnitID == "" {
		return in, nil // the ticket domain names what is missing
	}
	if _, ok := s.prof.Unit(in.UnitID); !ok {
		return in, fmt.Errorf("%w: unit %q not found", ticket.ErrInvalidInput, in.UnitID)
	}
	in.UnitPath = s.prof.UnitPath(in.UnitID)
	return in, nil
}

// saveInvite records the invited unit of an applied invite_cohandler. An
// invitation the same unit had from an earlier lead unit moves to the current one.
func saveInvite(ctx context.Context, tx *store.Tx, t *ticket.Ticket, actor ticket.Actor, in ticket.Input, at time.Time) error {
	var by any
	if actor.ID != 0 {
		by = actor.ID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_cohandlers (ticket_id, unit_id, unit_path, lead_unit_id, invited_by, invited_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, unit_id) DO UPDATE SET unit_path = excluded.unit_path,
		lead_unit_id = excluded.lead_unit_id, invited_by = excluded.invited_by, invited_at = excluded.invited_at`,
		t.ID, in.UnitID, in.UnitPath, t.UnitID, by, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("workflow: invite co-handler to ticket %d: %w", t.ID, err)
	}
	return nil
}

// loadCoHandlers lists the units co-handling t with its current lead unit,
// in the order they were invited.
func loadCoHandlers(ctx context.Context, q store.Querier, t *ticket.Ticket) ([]CoHandler, error) {
	rows, err := q.QueryContext(ctx, `SELECT unit_id, invited_at FROM ticket_cohandlers
		WHERE ticket_id = ? AND lead_unit_id = ? ORDER BY invited_at, unit_id`, t.ID, t.UnitID)
	if err != nil {
		return nil, fmt.Errorf("workflow: co-handlers of ticket %d: %w", t.ID, err)
	}
	defer rows.Close()
	var out []CoHandler
	for rows.Next() {
		var c CoHandler
		var at int64
		if err := rows.Scan(&c.UnitID, &at); err != nil {
			return nil, fmt.Errorf("workflow: co-handlers of ticket %d: %w", t.ID, err)
		}
		c.InvitedAt = time.UnixMilli(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
