package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"minyi/kpi"
	"minyi/store"
	"minyi/ticket"
)

const ticketColumns = `id, tracking_code, channel, COALESCE(external_id, ''), kind, title, body, place,
	COALESCE(code_id, ''), COALESCE(officer_id, ''), COALESCE(citizen_key, ''), state, COALESCE(unit_id, ''),
	unit_path, tag, tag_confidence, tag_source, route_source, triage_reason, priority, urgent, supervised,
	supervise_due, extension, overdue, received_at, dispatched_at, accept_due, accepted_at, reply_due,
	replied_at, reviewed_at, callback_due, called_back_at, closed_at, ended_at, reply, rectified,
	needs_rectification, callback_result, callback_attempts, COALESCE(merged_into, 0), reopen_count, version`

func scanTicket(row interface{ Scan(...any) error }) (*ticket.Ticket, error) {
	var t ticket.Ticket
	var urgent, supervised, overdue, rectified, needsRect int
	var superviseDue, received, dispatched, acceptDue, accepted, replyDue, replied, reviewed,
		callbackDue, calledBack, closed, ended sql.NullInt64
	var state, result string
	err := row.Scan(&t.ID, &t.TrackingCode, &t.Channel, &t.ExternalID, &t.Kind, &t.Title, &t.Body, &t.Place,
		&t.CodeID, &t.OfficerID, &t.CitizenKey, &state, &t.UnitID,
		&t.UnitPath, &t.Tag, &t.TagConfidence, &t.TagSource, &t.RouteSource, &t.TriageReason, &t.Priority,
		&urgent, &supervised, &superviseDue, &t.Extension, &overdue, &received, &dispatched, &acceptDue,
		&accepted, &replyDue, &replied, &reviewed, &callbackDue, &calledBack, &closed, &ended, &t.Reply,
		&rectified, &needsRect, &result, &t.CallbackAttempts, &t.MergedInto, &t.ReopenCount, &t.Version)
	if err != nil {
		return nil, err
	}
	t.State, t.CallbackResult = ticket.State(state), ticket.Outcome(result)
	t.Urgent, t.Supervised, t.Overdue = urgent != 0, supervised != 0, overdue != 0
	t.Rectified, t.NeedsRectification = rectified != 0, needsRect != 0
	t.SuperviseDue, t.ReceivedAt, t.DispatchedAt = store.Time(superviseDue), store.Time(received), store.Time(dispatched)
	t.AcceptDue, t.AcceptedAt, t.ReplyDue = store.Time(acceptDue), store.Time(accepted), store.Time(replyDue)
	t.RepliedAt, t.ReviewedAt, t.CallbackDue = store.Time(replied), store.Time(reviewed), store.Time(callbackDue)
	t.CalledBackAt, t.ClosedAt, t.EndedAt = store.Time(calledBack), store.Time(closed), store.Time(ended)
	return &t, nil
}

func loadTicket(ctx context.Context, q store.Querier, id int64) (*ticket.Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: load ticket %d: %w", id, err)
	}
	return t, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insertTicket inserts t and adds it to the KPI rollups in the same
// transaction.
func insertTicket(ctx context.Context, tx *store.Tx, t *ticket.Ticket, now int64) (int64, error) {
	id, err := store.InsertID(ctx, tx, `INSERT INTO tickets (tracking_code, channel, external_id, kind, title, body,
		place, code_id, officer_id, citizen_key, state, priority, urgent, received_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.TrackingCode, t.Channel, nullString(t.ExternalID), t.Kind, t.Title, t.Body, t.Place,
		nullString(t.CodeID), nullString(t.OfficerID), nullString(t.CitizenKey), string(t.State), t.Priority,
		store.Bool(t.Urgent), t.ReceivedAt.UnixMilli(), t.Version, now, now)
	if err != nil {
		return 0, err
	}
	if err := kpi.TrackInsert(ctx, tx, id); err != nil {
		return 0, err
	}
	return id, nil
}

// saveTicket writes every mutable column of t, guarded by the version it was
// loaded with, so two concurrent actions on one ticket cannot both succeed.
// It moves the ticket's KPI rollup counts in the same transaction.
func saveTicket(ctx context.Context, tx *store.Tx, t *ticket.Ticket, loadedVersion int, now int64) error {
	rollup, err := kpi.BeforeUpdate(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET kind = ?, state = ?, unit_id = ?, unit_path = ?, tag = ?,
		tag_confidence = ?, tag_source = ?, route_source = ?, triage_reason = ?, priority = ?, urgent = ?,
		supervised = ?, supervise_due = ?, extension = ?, overdue = ?, dispatched_at = ?, accept_due = ?,
		accepted_at = ?, reply_due = ?, replied_at = ?, reviewed_at = ?, callback_due = ?, called_back_at = ?,
		closed_at = ?, ended_at = ?, reply = ?, rectified = ?, needs_rectification = ?, callback_result = ?,
		callback_attempts = ?, merged_into = ?, reopen_count = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`,
		t.Kind, string(t.State), nullString(t.UnitID), t.UnitPath, t.Tag,
		t.TagConfidence, t.TagSource, t.RouteSource, t.TriageReason, t.Priority, store.Bool(t.Urgent),
		store.Bool(t.Supervised), store.Millis(t.SuperviseDue), t.Extension, store.Bool(t.Overdue),
		store.Millis(t.DispatchedAt), store.Millis(t.AcceptDue),
		store.Millis(t.AcceptedAt), store.Millis(t.ReplyDue), store.Millis(t.RepliedAt), store.Millis(t.ReviewedAt),
		store.Millis(t.CallbackDue), store.Millis(t.CalledBackAt),
		store.Millis(t.ClosedAt), store.Millis(t.EndedAt), t.Reply, store.Bool(t.Rectified),
		store.Bool(t.NeedsRectification), string(t.CallbackResult),
		t.CallbackAttempts, nullInt(t.MergedInto), t.ReopenCount, t.Version, now,
		t.ID, loadedVersion)
	if err != nil {
		return fmt.Errorf("workflow: save ticket %d: %w", t.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("ticket %d: %w", t.ID, ErrConflict)
	}
	return rollup.Apply(ctx, tx)
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func insertEvent(ctx context.Context, tx *store.Tx, ev ticket.Event) error {
	details := "{}"
	if len(ev.Details) > 0 {
		b, err := json.Marshal(ev.Details)
		if err != nil {
			return fmt.Errorf("workflow: event details: %w", err)
		}
		details = string(b)
	}
	var actorID any
	if ev.ActorID != 0 {
		actorID = ev.ActorID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_id, actor_name, actor_role,
		action, from_state, to_state, unit_id, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.TicketID, ev.At.UnixMilli(), actorID, ev.ActorName, string(ev.ActorRole), string(ev.Action),
		string(ev.From), string(ev.To), nullString(ev.UnitID), ev.Reason, details)
	if err != nil {
		return fmt.Errorf("workflow: event for ticket %d: %w", ev.TicketID, err)
	}
	return kpi.TrackEvent(ctx, tx, ev.TicketID, ev.Action, ev.At.UnixMilli(), details)
}

func loadEvents(ctx context.Context, q store.Querier, id int64) ([]ticket.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT ticket_id, at, COALESCE(actor_id, 0), actor_name, actor_role, action,
		from_state, to_state, COALESCE(unit_id, ''), reason, details FROM ticket_events WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("workflow: events of %d: %w", id, err)
	}
	defer rows.Close()
	var out []ticket.Event
	for rows.Next() {
		var ev ticket.Event
		var at int64
		var role, action, from, to, details string
		if err := rows.Scan(&ev.TicketID, &at, &ev.ActorID, &ev.ActorName, &role, &action, &from, &to,
			&ev.UnitID, &ev.Reason, &details); err != nil {
			return nil, fmt.Errorf("workflow: events of %d: %w", id, err)
		}
		ev.At = store.Time(sql.NullInt64{Int64: at, Valid: true})
		ev.ActorRole, ev.Action, ev.From, ev.To = ticket.Role(role), ticket.Action(action), ticket.State(from), ticket.State(to)
		if err := json.Unmarshal([]byte(details), &ev.Details); err != nil {
			return nil, fmt.Errorf("workflow: event details of %d: %w", id, err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

func saveTags(ctx context.Context, tx *store.Tx, id int64, head, tag string, conf float64, source string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_tags (ticket_id, head, tag, confidence, source) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id, head) DO UPDATE SET tag = excluded.tag, confidence = excluded.confidence, source = excluded.source`,
		id, head, tag, conf, source)
	if err != nil {
		return fmt.Errorf("workflow: tags of %d: %w", id, err)
	}
	return nil
}
