package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// Timeline actions of the staff console that are not transitions of the
// ticket domain: they change no state.
const (
	// ActRetag records a tag correction by centre staff. Its details carry the
	// old and the new tag, so that the tagging model can learn from it.
	ActRetag ticket.Action = "retag"
	// ActAcknowledgeUrgent records that a member of the centre saw an urgent
	// ticket, which takes it off the alert bar of every centre page.
	ActAcknowledgeUrgent ticket.Action = "acknowledge_urgent"
)

// Retag replaces the tag of an open ticket with one chosen by centre staff,
// with confidence 1 and source "staff:LOGIN", and records an ActRetag event.
// A tag equal to the current one changes nothing. Only centre staff may
// retag, others get ticket.ErrForbidden. An unknown tag returns
// ticket.ErrInvalidInput and an ended ticket a *ticket.TransitionError.
func (s *Service) Retag(ctx context.Context, actor ticket.Actor, id int64, tag string) (*ticket.Ticket, error) {
	tag, err := s.checkRetag(actor, id, tag)
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
		return s.retagTx(ctx, tx, actor, t, tag, at)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRetag checks that actor may retag ticket id with tag and returns the
// tag trimmed.
func (s *Service) checkRetag(actor ticket.Actor, id int64, tag string) (string, error) {
	if actor.Role != ticket.RoleCentre {
		return "", fmt.Errorf("ticket %d: role %s may not retag: %w", id, actor.Role, ticket.ErrForbidden)
	}
	tag = strings.TrimSpace(tag)
	if _, ok := s.prof.Tag(tag); !ok {
		return "", fmt.Errorf("%w: tag %q is not in the profile's tag tree", ticket.ErrInvalidInput, tag)
	}
	return tag, nil
}

// retagTx is the body of Retag within tx, on t as loaded there. The caller
// has checked the role and that tag is in the profile.
func (s *Service) retagTx(ctx context.Context, tx *store.Tx, actor ticket.Actor, t *ticket.Ticket, tag string,
	at time.Time) error {
	if t.State.Ended() {
		return &ticket.TransitionError{Action: ActRetag, State: t.State}
	}
	if t.Tag == tag {
		return nil
	}
	ev := ticket.Event{TicketID: t.ID, At: at, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
		Action: ActRetag, From: t.State, To: t.State, UnitID: t.UnitID, Details: map[string]string{
			"from_tag": t.Tag, "to_tag": tag, "from_source": t.TagSource,
			"from_confidence": strconv.FormatFloat(t.TagConfidence, 'f', 3, 64),
		}}
	loaded := t.Version
	t.Tag, t.TagConfidence, t.TagSource = tag, 1, "staff:"+actor.Login
	t.Version++
	if err := saveTicket(ctx, tx, t, loaded, at.UnixMilli()); err != nil {
		return err
	}
	if err := saveTags(ctx, tx, t.ID, "tag", tag, 1, t.TagSource); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return err
	}
	return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: t.ID,
		Fields: []string{"tag"}, Purpose: string(ActRetag), Result: "ok"})
}

// UrgentAlert is an urgent open ticket that no member of the centre has
// acknowledged yet. It carries no text of the item beyond the reason the
// ticket was flagged, so the alert poll reads no personal data.
type UrgentAlert struct {
	TicketID     int64
	TrackingCode string
	Tag          string
	UnitID       string
	State        ticket.State
	ReceivedAt   time.Time
	Reason       string // of the flag_urgent event
}

// UrgentAlerts returns up to 50 urgent open tickets without an
// acknowledgement, oldest first. Only centre staff receive alerts
// (ticket.ErrForbidden otherwise). Every open centre page polls it, so it
// records nothing in the audit log. Opening a ticket does.
func (s *Service) UrgentAlerts(ctx context.Context, actor ticket.Actor) ([]UrgentAlert, error) {
	if actor.Role != ticket.RoleCentre {
		return nil, fmt.Errorf("role %s receives no urgent alerts: %w", actor.Role, ticket.ErrForbidden)
	}
	marks, args := endedStates()
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.tracking_code, t.tag, COALESCE(t.unit_id, ''), t.state,
		t.received_at, COALESCE((SELECT e.reason FROM ticket_events e WHERE e.ticket_id = t.id
			AND e.action = 'flag_urgent' ORDER BY e.id DESC LIMIT 1), '')
		FROM tickets t WHERE t.urgent = 1 AND t.state NOT IN (`+marks+`)
		AND NOT EXISTS (SELECT 1 FROM urgent_acks a WHERE a.ticket_id = t.id)
		ORDER BY t.received_at, t.id LIMIT 50`, args...)
	if err != nil {
		return nil, fmt.Errorf("workflow: urgent alerts: %w", err)
	}
	defer rows.Close()
	var out []UrgentAlert
	for rows.Next() {
		var a UrgentAlert
		var state string
		var received int64
		if err := rows.Scan(&a.TicketID, &a.TrackingCode, &a.Tag, &a.UnitID, &state, &received, &a.Reason); err != nil {
			return nil, fmt.Errorf("workflow: urgent alerts: %w", err)
		}
		a.State, a.ReceivedAt = ticket.State(state), time.UnixMilli(received).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

func endedStates() (string, []any) {
	var marks []string
	var args []any
	for _, st := range ticket.States {
		if st.Ended() {
			marks, args = append(marks, "?"), append(args, string(st))
		}
	}
	return strings.Join(marks, ", "), args
}

// AcknowledgeUrgent records that the actor, a member of the centre, saw the
// urgent ticket id, which ends its alert on every centre page, and adds an
// ActAcknowledgeUrgent event to its timeline. A second acknowledgement
// changes nothing. A ticket that is not urgent returns ticket.ErrInvalidInput.
func (s *Service) AcknowledgeUrgent(ctx context.Context, actor ticket.Actor, id int64) error {
	if actor.Role != ticket.RoleCentre {
		return fmt.Errorf("role %s may not acknowledge alerts: %w", actor.Role, ticket.ErrForbidden)
	}
	at := s.opts.Now().UTC().Truncate(time.Millisecond)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if !t.Urgent {
			return fmt.Errorf("%w: ticket %d is not urgent", ticket.ErrInvalidInput, id)
		}
		added, err := acknowledge(ctx, tx, t, actor, at, "")
		if err != nil || !added {
			return err
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: id,
			Purpose: string(ActAcknowledgeUrgent), Result: "ok"})
	})
}

// acknowledge records within tx that actor acknowledged the urgent flag of
// t at at, with an ActAcknowledgeUrgent event carrying reason. It reports
// false, and records nothing, when the flag was acknowledged before.
func acknowledge(ctx context.Context, tx *store.Tx, t *ticket.Ticket, actor ticket.Actor, at time.Time,
	reason string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO urgent_acks (ticket_id, account_id, actor_name, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO NOTHING`, t.ID, actor.ID, actor.Name, at.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("workflow: acknowledge ticket %d: %w", t.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	err = insertEvent(ctx, tx, ticket.Event{TicketID: t.ID, At: at, ActorID: actor.ID, ActorName: actor.Name,
		ActorRole: actor.Role, Action: ActAcknowledgeUrgent, From: t.State, To: t.State, UnitID: t.UnitID,
		Reason: reason})
	return err == nil, err
}

// LatestEvents returns, for each of ids that has one, the latest event whose
// action is one of actions. Callers pass ids they obtained from List or Get,
// which checked the actor's scope. The events carry no personal data beyond
// the masked reasons.
func (s *Service) LatestEvents(ctx context.Context, ids []int64, actions ...ticket.Action) (map[int64]ticket.Event, error) {
	out := map[int64]ticket.Event{}
	if len(ids) == 0 || len(actions) == 0 {
		return out, nil
	}
	var args []any
	idMarks := make([]string, len(ids))
	for i, id := range ids {
		idMarks[i] = "?"
		args = append(args, id)
	}
	actMarks := make([]string, len(actions))
	for i, a := range actions {
		actMarks[i] = "?"
		args = append(args, string(a))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ticket_id, at, COALESCE(actor_id, 0), actor_name, actor_role, action,
		from_state, to_state, COALESCE(unit_id, ''), reason, details FROM ticket_events
		WHERE ticket_id IN (`+strings.Join(idMarks, ", ")+`) AND action IN (`+strings.Join(actMarks, ", ")+`)
		ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("workflow: latest events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev ticket.Event
		var at int64
		var role, action, from, to, details string
		if err := rows.Scan(&ev.TicketID, &at, &ev.ActorID, &ev.ActorName, &role, &action, &from, &to,
			&ev.UnitID, &ev.Reason, &details); err != nil {
			return nil, fmt.Errorf("workflow: latest events: %w", err)
		}
		ev.At = time.UnixMilli(at).UTC()
		ev.ActorRole, ev.Action, ev.From, ev.To = ticket.Role(role), ticket.Action(action), ticket.State(from), ticket.State(to)
		if err := json.Unmarshal([]byte(details), &ev.Details); err != nil {
			return nil, fmt.Errorf("workflow: event details of %d: %w", ev.TicketID, err)
		}
		out[ev.TicketID] = ev // rows come in id order, so the last one wins
	}
	return out, rows.Err()
}

// UnitLoad is the count of one unit's open dispatched tickets on the
// supervision board.
type UnitLoad struct {
	UnitID     string
	Open       int
	Overdue    int
	Supervised int
}

// SupervisionBoard counts, per unit within the actor's scope, the tickets
// that are dispatched and not ended, how many of them are overdue and how
// many are supervised, units with the most overdue first. The count is
// recorded as a list access.
func (s *Service) SupervisionBoard(ctx context.Context, actor ticket.Actor) ([]UnitLoad, error) {
	scope, ok := s.scopePath(actor, "")
	if !ok {
		return nil, fmt.Errorf("supervision board: %w", ErrNotFound)
	}
	marks, args := endedStates()
	q := `SELECT unit_id, COUNT(*), SUM(CASE WHEN overdue = 1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN supervised = 1 THEN 1 ELSE 0 END) FROM tickets
		WHERE unit_id IS NOT NULL AND state NOT IN (` + marks + `) AND state <> 'triage'`
	if scope != "" {
		q += ` AND unit_path LIKE ?`
		args = append(args, scope+"%")
	}
	q += ` GROUP BY unit_id`
	var out []UnitLoad
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		out = nil // InTx may run this again
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("workflow: supervision board: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u UnitLoad
			if err := rows.Scan(&u.UnitID, &u.Open, &u.Overdue, &u.Supervised); err != nil {
				return fmt.Errorf("workflow: supervision board: %w", err)
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("workflow: supervision board: %w", err)
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.list", Filter: "board=units",
			Count: len(out), Result: "ok"})
	})
	sortLoads(out)
	return out, err
}

func sortLoads(l []UnitLoad) {
	slices.SortFunc(l, func(a, b UnitLoad) int {
		if c := cmp.Compare(b.Overdue, a.Overdue); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Supervised, a.Supervised); c != 0 {
			return c
		}
		return strings.Compare(a.UnitID, b.UnitID)
	})
}

// Queue names a console work list that Filter cannot express.
type Queue string

// The console queues.
const (
	// QueueSupervision contains the open tickets that are overdue or supervised.
	QueueSupervision Queue = "supervision"
	// QueueExtension contains the tickets whose unit asked for more time.
	QueueExtension Queue = "extension"
	// QueueFollowers contains merged tickets whose lead ticket's reply was
	// approved and whose own citizen has not been called back yet. The lead
	// is the top of the merge chain, as mergeLead finds it.
	QueueFollowers Queue = "followers"
)

// ListQueue returns up to limit tickets of a console queue within the
// actor's scope, overdue first and then by reply deadline, and records the
// list like List does.
func (s *Service) ListQueue(ctx context.Context, actor ticket.Actor, q Queue, limit int) ([]*ticket.Ticket, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	scope, ok := s.scopePath(actor, "")
	if !ok {
		return nil, fmt.Errorf("queue %s: %w", q, ErrNotFound)
	}
	marks, args := endedStates()
	where := []string{"state NOT IN (" + marks + ")"}
	if q == QueueFollowers {
		// chain pairs each merged ticket with every ticket up its merge
		// chain; a merge target is open when merged into, so chains end.
		where, args = []string{"state = 'merged'", "callback_result = ''", `id IN (
			WITH RECURSIVE chain(id, up) AS (
				SELECT id, merged_into FROM tickets WHERE state = 'merged' AND callback_result = ''
				UNION ALL
				SELECT chain.id, t.merged_into FROM chain JOIN tickets t ON t.id = chain.up WHERE t.state = 'merged')
			SELECT chain.id FROM chain JOIN tickets l ON l.id = chain.up
			WHERE l.state IN ('reviewed', 'called_back', 'closed'))`}, nil
	}
	switch q {
	case QueueFollowers:
	case QueueSupervision:
		where = append(where, "(overdue = 1 OR supervised = 1)")
	case QueueExtension:
		where = append(where, "extension = 'requested'", "state IN ('dispatched', 'accepted')")
	default:
		return nil, fmt.Errorf("%w: unknown queue %q", ticket.ErrInvalidInput, q)
	}
	if scope != "" {
		where, args = append(where, "unit_path LIKE ?"), append(args, scope+"%")
	}
	query := `SELECT ` + ticketColumns + ` FROM tickets WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY overdue DESC, CASE WHEN reply_due IS NULL THEN 1 ELSE 0 END, reply_due, id DESC LIMIT ?`
	args = append(args, limit)
	var out []*ticket.Ticket
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		out = nil // InTx may run this again
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("workflow: queue %s: %w", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				return fmt.Errorf("workflow: queue %s: %w", q, err)
			}
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("workflow: queue %s: %w", q, err)
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.list", Filter: "queue=" + string(q),
			Count: len(out), Result: "ok"})
	})
	return out, err
}
