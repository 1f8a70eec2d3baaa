package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/store"
	"minyi/ticket"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Command is one action on one ticket.
type Command struct {
	TicketID int64
	Actor    ticket.Actor
	Action   ticket.Action
	Input    ticket.Input
	At       time.Time // zero means now; the simulator sets it
	// Attachments are evidence files of a reply, stored with it in the same
	// transaction. Other actions take none.
	Attachments []Attachment
	// Tag and Kind, when set, correct or confirm the ticket's tag and kind
	// before a dispatch, as Retag and Rekind do, in the dispatch's
	// transaction: the deadlines follow the new tag, and a dispatch that
	// fails leaves both as they were. Other actions take neither.
	Tag, Kind string
	// TagShown and KindShown, when set, are the tag and kind the form showed
	// staff. A ticket whose tag or kind changed since returns ErrConflict,
	// so that a stale form cannot undo another member's correction.
	TagShown, KindShown string
}

// Act applies a command and the automatic steps that follow it: a reopened
// ticket goes back to its unit, and a completed call-back closes the ticket.
// A ticket outside the actor's units returns ErrNotFound, as if it did not
// exist. A handler of a co-handling unit may act on the ticket as far as the
// ticket domain admits co-handlers (a note), and gets ticket.ErrForbidden
// for the rest.
func (s *Service) Act(ctx context.Context, c Command) (*ticket.Ticket, error) {
	if len(c.Attachments) > 0 && c.Action != ticket.ActReply {
		return nil, fmt.Errorf("%w: only a reply carries attachments", ticket.ErrInvalidInput)
	}
	if err := checkAttachments(c.Attachments); err != nil {
		return nil, err
	}
	var err error
	if c, err = s.checkCorrections(c); err != nil {
		return nil, err
	}
	at := c.At
	if at.IsZero() {
		at = s.opts.Now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	var out *ticket.Ticket
	var denied error
	var wasEnded bool
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		out, denied = nil, nil // InTx may run this again
		t, err := loadTicket(ctx, tx, c.TicketID)
		if err != nil {
			return err
		}
		wasEnded = t.State.Ended()
		if c.Actor, err = s.admit(ctx, tx, c.Actor, t); err != nil {
			return err
		}
		if err := s.correctBeforeDispatch(ctx, tx, c, t, at); err != nil {
			return err
		}
		in, err := s.completeInput(ctx, tx, t, c)
		if err != nil {
			return err
		}
		var details map[string]string
		if len(c.Attachments) > 0 {
			details = map[string]string{"attachments": strconv.Itoa(len(c.Attachments))}
		}
		err = s.applyWithDetails(ctx, tx, t, c.Actor, c.Action, in, at, details)
		if errors.Is(err, ticket.ErrOutOfScope) || errors.Is(err, ticket.ErrForbidden) {
			// The denial is recorded and committed; the caller still gets the error.
			denied = err
			return s.audit(ctx, tx, Access{Actor: c.Actor, Action: "request.denied", TicketID: c.TicketID,
				Purpose: string(c.Action), Result: "denied"})
		}
		if err != nil {
			return err
		}
		if c.Action == ticket.ActReply {
			if err := indexForSearch(ctx, tx, t); err != nil {
				return err
			}
			if err := s.saveAttachments(ctx, tx, t, c.Actor, c.Attachments, at); err != nil {
				return err
			}
		}
		if c.Action == ticket.ActInviteCohandler {
			if err := saveInvite(ctx, tx, t, c.Actor, in, at); err != nil {
				return err
			}
		}
		if c.Action == ticket.ActMerge {
			if err := setDuplicateStatus(ctx, tx, t.ID, in.Into, "suggested", "merged", at); err != nil {
				return err
			}
		}
		if err := s.followUp(ctx, tx, t, at); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Access{Actor: c.Actor, Action: "ticket.change", TicketID: t.ID,
			Purpose: string(c.Action), Result: "ok"}); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		if errors.Is(denied, ticket.ErrOutOfScope) {
			return nil, fmt.Errorf("ticket %d: %w", c.TicketID, ErrNotFound)
		}
		return nil, denied
	}
	if out.State.Ended() && s.opts.OnEnded != nil {
		s.opts.OnEnded(out.ID)
	}
	if wasEnded && !out.State.Ended() && s.opts.OnReopened != nil {
		s.opts.OnReopened(ctx, out)
	}
	return out, nil
}

// setDuplicateStatus moves the duplicate suggestion between tickets a and b,
// stored in either direction, from status from to status to.
func setDuplicateStatus(ctx context.Context, tx *store.Tx, a, b int64, from, to string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE ticket_duplicates SET status = ?, updated_at = ?
		WHERE status = ? AND ((ticket_id = ? AND duplicate_of = ?) OR (ticket_id = ? AND duplicate_of = ?))`,
		to, at.UnixMilli(), from, a, b, b, a)
	if err != nil {
		return fmt.Errorf("workflow: duplicate suggestion of tickets %d and %d: %w", a, b, err)
	}
	return nil
}

// checkCorrections checks the tag and kind corrections of c before any
// transaction and returns c with them trimmed.
func (s *Service) checkCorrections(c Command) (Command, error) {
	if c.Tag == "" && c.Kind == "" {
		return c, nil
	}
	if c.Action != ticket.ActDispatch {
		return c, fmt.Errorf("%w: only a dispatch corrects the tag or the kind", ticket.ErrInvalidInput)
	}
	var err error
	if c.Tag != "" {
		if c.Tag, err = s.checkRetag(c.Actor, c.TicketID, c.Tag); err != nil {
			return c, err
		}
	}
	if c.Kind != "" {
		if c.Kind, err = s.checkRekind(c.Actor, c.TicketID, c.Kind); err != nil {
			return c, err
		}
	}
	return c, nil
}

// correctBeforeDispatch applies the tag and kind corrections of c to t
// within tx. When the actor may not take the action now, it writes nothing
// and leaves the refusal to the transition, so that a refused dispatch,
// whose denial is committed to the audit log, commits no correction.
func (s *Service) correctBeforeDispatch(ctx context.Context, tx *store.Tx, c Command, t *ticket.Ticket,
	at time.Time) error {
	if (c.Tag == "" && c.Kind == "") || !slices.Contains(ticket.Available(t, c.Actor), c.Action) {
		return nil
	}
	if (c.TagShown != "" && c.TagShown != t.Tag) || (c.KindShown != "" && c.KindShown != t.Kind) {
		return fmt.Errorf("ticket %d: its tag or kind changed since the form was shown: %w", t.ID, ErrConflict)
	}
	if c.Tag != "" {
		if err := s.retagTx(ctx, tx, c.Actor, t, c.Tag, at); err != nil {
			return err
		}
	}
	if c.Kind != "" {
		return s.rekindTx(ctx, tx, c.Actor, t, c.Kind, at)
	}
	return nil
}

// completeInput fills in what the service knows and the caller need not send:
// unit paths and SLA deadlines, call-back attempts, the reopen window, and a
// check that a merge target exists.
func (s *Service) completeInput(ctx context.Context, tx *store.Tx, t *ticket.Ticket, c Command) (ticket.Input, error) {
	in := c.Input
	for _, text := range []string{in.Reason, in.Reply, in.Text, in.Destination, in.UnitID} {
		if strings.ContainsRune(text, 0) || !utf8.ValidString(text) {
			return in, fmt.Errorf("%w: text contains a NUL character or invalid UTF-8", ticket.ErrInvalidInput)
		}
	}
	// Staff and citizens write free text here too; it is masked like a body.
	in.Reason = s.opts.Protector.Mask(in.Reason)
	in.Reply = s.maskReply(in.Reply)
	in.Text = s.opts.Protector.Mask(in.Text)
	switch c.Action {
	case ticket.ActDispatch:
		if !c.Actor.CanRead(t) && c.Actor.Role != ticket.RoleSystem {
			return in, nil // Apply rejects it as out of scope
		}
		d, err := s.dispatchInput(in.UnitID, t.Tag, t.Priority, at(c, s))
		if err != nil {
			return in, err
		}
		d.RouteSource = "manual"
		if c.Actor.Role == ticket.RoleSystem && in.RouteSource != "" {
			d.RouteSource = in.RouteSource
		}
		d.Reason = in.Reason
		return d, nil
	case ticket.ActInviteCohandler:
		return s.inviteInput(c.Actor, t, in)
	case ticket.ActCallback:
		in.MaxAttempts = s.prof.Callback.MaxAttempts
		if t.State == ticket.Merged {
			lead, err := mergeLead(ctx, tx, t)
			if err != nil {
				return in, err
			}
			switch lead.State {
			case ticket.Reviewed, ticket.CalledBack, ticket.Closed:
			default:
				return in, fmt.Errorf("%w: ticket %d was merged into %d, whose reply is not approved yet",
					ticket.ErrInvalidInput, t.ID, lead.ID)
			}
		}
	case ticket.ActReopen:
		in.ReopenWindow = time.Duration(s.prof.Callback.ReopenWindowDays * float64(24*time.Hour))
	case ticket.ActMerge:
		if in.Into == t.ID {
			return in, fmt.Errorf("%w: a ticket cannot be merged into itself", ticket.ErrInvalidInput)
		}
		target, err := loadTicket(ctx, tx, in.Into)
		if errors.Is(err, ErrNotFound) || (err == nil && !c.Actor.CanRead(target)) {
			return in, fmt.Errorf("%w: merge target %d not found", ticket.ErrInvalidInput, in.Into)
		}
		if err != nil {
			return in, err
		}
		if target.State.Ended() {
			return in, fmt.Errorf("%w: merge target %d is already %s", ticket.ErrInvalidInput, in.Into, target.State)
		}
	}
	return in, nil
}

func at(c Command, s *Service) time.Time {
	if c.At.IsZero() {
		return s.opts.Now().UTC()
	}
	return c.At.UTC()
}

// followUp runs the automatic steps after a transition.
func (s *Service) followUp(ctx context.Context, tx *store.Tx, t *ticket.Ticket, now time.Time) error {
	switch t.State {
	case ticket.Reopened:
		if t.UnitID == "" {
			return nil // never dispatched: the centre dispatches it from triage
		}
		in, err := s.dispatchInput(t.UnitID, t.Tag, t.Priority, now)
		if err != nil {
			return err
		}
		in.RouteSource = "reopen"
		return s.apply(ctx, tx, t, ticket.System, ticket.ActDispatch, in, now)
	case ticket.CalledBack:
		return s.apply(ctx, tx, t, ticket.System, ticket.ActClose, ticket.Input{}, now)
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx *store.Tx, a Access) error {
	if s.opts.Audit == nil {
		return nil
	}
	// The purpose and filter may carry what a user typed, so they are masked
	// like ticket text and cut to fit an audit record, whose long text fields
	// hold at most 2,000 bytes.
	a.Purpose = truncateBytes(s.opts.Protector.Mask(a.Purpose), maxAuditText)
	a.Filter = truncateBytes(a.Filter, maxAuditText)
	if err := s.opts.Audit(ctx, tx, a); err != nil {
		return fmt.Errorf("workflow: audit: %w", err)
	}
	return nil
}

// maxAuditText is the longest purpose or filter, in bytes, that an access
// passes to the audit log.
const maxAuditText = 1000

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Detail is a ticket with its timeline.
type Detail struct {
	Ticket *ticket.Ticket
	Events []ticket.Event
	// Reader is the actor as Get admitted it, with CoHandler set when it
	// reads the ticket as a co-handler; ticket.Available takes it.
	Reader      ticket.Actor
	Attachments []Attachment // of the replies, without their data
	CoHandlers  []CoHandler  // invited by the current lead unit
}

// Get returns a ticket and its timeline as the actor may see it, and records
// the read. A ticket outside the actor's units returns ErrNotFound, unless
// one of the actor's units co-handles it.
func (s *Service) Get(ctx context.Context, actor ticket.Actor, id int64, purpose string) (*Detail, error) {
	var d *Detail
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		d = nil // InTx may run this again
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if actor, err = s.admit(ctx, tx, actor, t); err != nil {
			return err
		}
		if !actor.CanRead(t) {
			return s.audit(ctx, tx, Access{Actor: actor, Action: "request.denied", TicketID: id,
				Purpose: "read", Result: "denied"})
		}
		events, err := loadEvents(ctx, tx, id)
		if err != nil {
			return err
		}
		files, err := loadAttachments(ctx, tx, id)
		if err != nil {
			return err
		}
		co, err := loadCoHandlers(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.read", TicketID: id,
			Fields: []string{"title", "body", "reply", "timeline"}, Purpose: purpose, Result: "ok"}); err != nil {
			return err
		}
		d = &Detail{Ticket: t, Events: events, Reader: actor, Attachments: files, CoHandlers: co}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fmt.Errorf("ticket %d: %w", id, ErrNotFound)
	}
	return d, nil
}

// MaxListLimit is the largest page of tickets List returns.
const MaxListLimit = 500

// Filter selects tickets for a list.
type Filter struct {
	States  []ticket.State
	UnitID  string // the unit's subtree; empty for all the actor may see
	Channel string
	Tag     string
	Overdue bool
	Urgent  bool
	From    time.Time // received at or after
	To      time.Time // received before
	Limit   int       // default 50, at most MaxListLimit
	Offset  int
}

func (f Filter) String() string {
	var parts []string
	for _, st := range f.States {
		parts = append(parts, "state="+string(st))
	}
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("unit", f.UnitID)
	add("channel", f.Channel)
	add("tag", f.Tag)
	if f.Overdue {
		parts = append(parts, "overdue")
	}
	if f.Urgent {
		parts = append(parts, "urgent")
	}
	if !f.From.IsZero() {
		add("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		add("to", f.To.UTC().Format(time.RFC3339))
	}
	if f.Offset > 0 {
		add("offset", strconv.Itoa(f.Offset))
	}
	return strings.Join(parts, "&")
}

// List returns the tickets matching f within the actor's units, most urgent
// deadline first, and records the list with its filter and count. Without a
// unit in f, a handler's or leader's list also holds the tickets its units
// co-handle.
func (s *Service) List(ctx context.Context, actor ticket.Actor, f Filter) ([]*ticket.Ticket, error) {
	out, _, err := s.list(ctx, actor, f, false)
	return out, err
}

// ListPage is List with the number of all tickets matching f, counted in the
// same transaction, for a list shown a page at a time from f.Offset. The
// order ends with the ticket id, so pages neither overlap nor skip a ticket
// while the list does not change.
func (s *Service) ListPage(ctx context.Context, actor ticket.Actor, f Filter) ([]*ticket.Ticket, int, error) {
	return s.list(ctx, actor, f, true)
}

func (s *Service) list(ctx context.Context, actor ticket.Actor, f Filter, withTotal bool) ([]*ticket.Ticket, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxListLimit {
		f.Limit = MaxListLimit
	}
	f.Offset = max(f.Offset, 0)
	where, args, err := s.listWhere(actor, f)
	if err != nil {
		return nil, 0, err
	}
	// Overdue first, then the nearest reply deadline; tickets without one last.
	q := `SELECT ` + ticketColumns + ` FROM tickets` + where +
		` ORDER BY overdue DESC, CASE WHEN reply_due IS NULL THEN 1 ELSE 0 END, reply_due, id DESC LIMIT ? OFFSET ?`
	var out []*ticket.Ticket
	total := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		out, total = nil, 0 // InTx may run this again
		rows, err := tx.QueryContext(ctx, q, append(args, f.Limit, f.Offset)...)
		if err != nil {
			return fmt.Errorf("workflow: list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				return fmt.Errorf("workflow: list: %w", err)
			}
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("workflow: list: %w", err)
		}
		if withTotal {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`+where, args...).Scan(&total); err != nil {
				return fmt.Errorf("workflow: list: count: %w", err)
			}
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.list", Filter: f.String(), Count: len(out), Result: "ok"})
	})
	return out, total, err
}

// listWhere returns the WHERE clause, with a leading space, and its
// arguments for the tickets matching f within the actor's units.
func (s *Service) listWhere(actor ticket.Actor, f Filter) (string, []any, error) {
	var where []string
	var args []any
	scope, ok := s.scopePath(actor, f.UnitID)
	if !ok {
		return "", nil, fmt.Errorf("unit %q: %w", f.UnitID, ErrNotFound)
	}
	switch {
	case scope != "" && f.UnitID == "":
		// The actor's own list also holds the tickets its units co-handle.
		co, coArgs := s.coHandledClause(scope)
		where = append(where, "(unit_path LIKE ? OR "+co+")")
		args = append(append(args, scope+"%"), coArgs...)
	case scope != "":
		where = append(where, "unit_path LIKE ?")
		args = append(args, scope+"%")
	}
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, st := range f.States {
			marks[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "state IN ("+strings.Join(marks, ", ")+")")
	}
	if f.Channel != "" {
		where, args = append(where, "channel = ?"), append(args, f.Channel)
	}
	if f.Tag != "" {
		where, args = append(where, "tag = ?"), append(args, f.Tag)
	}
	if f.Overdue {
		where = append(where, "overdue = 1")
	}
	if f.Urgent {
		where = append(where, "urgent = 1")
	}
	if !f.From.IsZero() {
		where, args = append(where, "received_at >= ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where, args = append(where, "received_at < ?"), append(args, f.To.UnixMilli())
	}
	if len(where) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// scopePath returns the unit path prefix a list is limited to, combining the
// requested unit with the actor's own scope. ok is false when the requested
// unit lies outside what the actor may see.
func (s *Service) scopePath(actor ticket.Actor, unitID string) (string, bool) {
	base := ""
	switch actor.Role {
	case ticket.RoleCentre, ticket.RoleAdmin, ticket.RoleAuditor, ticket.RoleSystem:
	case ticket.RoleHandler, ticket.RoleLeader:
		base = actor.UnitPath
		if base == "" {
			return "", false
		}
	default:
		return "", false
	}
	if unitID == "" {
		return base, true
	}
	if _, known := s.prof.Unit(unitID); !known {
		return "", false
	}
	p := s.prof.UnitPath(unitID)
	if base != "" && !strings.HasPrefix(p, base) {
		return "", false
	}
	return p, true
}

// ByTrackingCode returns the ticket with the tracking code, for the citizen's
// progress page. The caller checks the citizen's proof of ownership.
func (s *Service) ByTrackingCode(ctx context.Context, code string) (*Detail, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE tracking_code = ?`,
		strings.ToUpper(strings.TrimSpace(code))))
	if isNoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: tracking code: %w", err)
	}
	events, err := loadEvents(ctx, s.db, t.ID)
	if err != nil {
		return nil, err
	}
	return &Detail{Ticket: t, Events: events}, nil
}

// SweepOverdue flags open tickets whose sign-for, reply or call-back deadline
// has passed at now, and returns how many it flagged. It is idempotent.
func (s *Service) SweepOverdue(ctx context.Context, now time.Time) (int, error) {
	ms := now.UnixMilli()
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM tickets WHERE overdue = 0 AND (
		(state = 'dispatched' AND accept_due < ?) OR
		(state IN ('dispatched', 'accepted') AND reply_due < ?) OR
		(state = 'reviewed' AND callback_due < ?))`, ms, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("workflow: sweep: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("workflow: sweep: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			t, err := loadTicket(ctx, tx, id)
			if err != nil {
				return err
			}
			if t.Overdue || t.State.Ended() {
				return nil
			}
			return s.apply(ctx, tx, t, ticket.System, ticket.ActMarkOverdue, ticket.Input{}, now)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
