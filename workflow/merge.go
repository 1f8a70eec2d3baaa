package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// ActUnmerge is the event action of Unmerge. The ticket package has no such
// transition because undoing a merge restores a state recorded in the merge
// event rather than moving forward in the loop.
const ActUnmerge ticket.Action = "unmerge"

// Unmerge undoes a merge. The ticket returns to the state it was merged from
// (received, triage or dispatched, with its unit and deadlines unchanged) and
// its link to the lead ticket is cleared. The duplicate suggestion goes back
// to "suggested", and an "unmerge" event records who did it and why. Only
// centre staff who can read the ticket may unmerge. A ticket that is not
// merged returns an error matching ticket.ErrTransition.
func (s *Service) Unmerge(ctx context.Context, actor ticket.Actor, id int64, reason string) (*ticket.Ticket, error) {
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	var out *ticket.Ticket
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if !actor.CanRead(t) {
			return fmt.Errorf("ticket %d: %w", id, ErrNotFound)
		}
		if actor.Role != ticket.RoleCentre {
			return fmt.Errorf("ticket %d: role %s may not %s: %w", id, actor.Role, ActUnmerge, ticket.ErrForbidden)
		}
		if t.State != ticket.Merged {
			return &ticket.TransitionError{Action: ActUnmerge, State: t.State}
		}
		var from string
		err = tx.QueryRowContext(ctx, `SELECT from_state FROM ticket_events WHERE ticket_id = ? AND action = ?
			ORDER BY id DESC LIMIT 1`, id, string(ticket.ActMerge)).Scan(&from)
		if err != nil {
			return fmt.Errorf("workflow: merge event of ticket %d: %w", id, err)
		}
		loaded, lead := t.Version, t.MergedInto
		t.State, t.MergedInto, t.EndedAt = ticket.State(from), 0, time.Time{}
		t.Version++
		if err := saveTicket(ctx, tx, t, loaded, now.UnixMilli()); err != nil {
			return err
		}
		ev := ticket.Event{TicketID: id, At: now, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
			Action: ActUnmerge, From: ticket.Merged, To: t.State, UnitID: t.UnitID,
			Reason: s.opts.Protector.Mask(reason), Details: map[string]string{"from": strconv.FormatInt(lead, 10)}}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		if err := setDuplicateStatus(ctx, tx, id, lead, "merged", "suggested", now); err != nil {
			return err
		}
		out = t
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: id,
			Purpose: string(ActUnmerge), Result: "ok"})
	})
	if err != nil {
		return nil, err
	}
	if s.opts.OnReopened != nil {
		s.opts.OnReopened(ctx, out)
	}
	return out, nil
}

// Followers returns the tickets merged into lead, directly or through
// another merged ticket, in id order. Each keeps its own citizen, sealed
// contact details and tracking code. Followers is how every citizen of a
// merged ticket gets the result and a call-back of their own: whatever
// delivers the lead's result and call-back repeats it for each follower,
// through the contact relay with the follower's own sealed phone.
// The centre's follower queue (QueueFollowers) and the citizen's progress
// page reach the same tickets from the other end, through mergeLead.
func (s *Service) Followers(ctx context.Context, lead int64) ([]*ticket.Ticket, error) {
	var out []*ticket.Ticket
	seen := map[int64]bool{lead: true}
	queue := []int64{lead}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		rows, err := s.db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE merged_into = ? AND state = ?
			ORDER BY id`, id, string(ticket.Merged))
		if err != nil {
			return nil, fmt.Errorf("workflow: followers of ticket %d: %w", lead, err)
		}
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("workflow: followers of ticket %d: %w", lead, err)
			}
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
				queue = append(queue, t.ID)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("workflow: followers of ticket %d: %w", lead, err)
		}
	}
	return out, nil
}

// MergeDuplicate merges ticket id into lead as centre staff and marks the
// duplicate suggestion between them merged. It is the one-click merge of a
// suggestion.
func (s *Service) MergeDuplicate(ctx context.Context, actor ticket.Actor, id, lead int64) (*ticket.Ticket, error) {
	// Act marks the suggestion merged in the merge's transaction.
	return s.Act(ctx, Command{TicketID: id, Actor: actor, Action: ticket.ActMerge, Input: ticket.Input{Into: lead}})
}

// ActDismissDuplicate records that centre staff judged a duplicate
// suggestion wrong: the two tickets are different matters.
const ActDismissDuplicate ticket.Action = "dismiss_duplicate"

// DismissDuplicate marks the suggestion that ticket id duplicates
// duplicateOf as dismissed, so the ticket page stops offering the merge, and
// records an ActDismissDuplicate event. Only centre staff may dismiss
// (ticket.ErrForbidden otherwise). A suggestion that does not exist or is no
// longer "suggested" returns ticket.ErrInvalidInput.
func (s *Service) DismissDuplicate(ctx context.Context, actor ticket.Actor, id, duplicateOf int64) error {
	if actor.Role != ticket.RoleCentre {
		return fmt.Errorf("ticket %d: role %s may not dismiss a duplicate suggestion: %w", id, actor.Role,
			ticket.ErrForbidden)
	}
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE ticket_duplicates SET status = 'dismissed', updated_at = ?
			WHERE ticket_id = ? AND duplicate_of = ? AND status = 'suggested'`, now.UnixMilli(), id, duplicateOf)
		if err != nil {
			return fmt.Errorf("workflow: duplicate suggestion of ticket %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: ticket %d has no open suggestion that it duplicates ticket %d",
				ticket.ErrInvalidInput, id, duplicateOf)
		}
		ev := ticket.Event{TicketID: id, At: now, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
			Action: ActDismissDuplicate, From: t.State, To: t.State, UnitID: t.UnitID,
			Details: map[string]string{"duplicate_of": strconv.FormatInt(duplicateOf, 10)}}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.change", TicketID: id,
			Purpose: string(ActDismissDuplicate), Result: "ok"})
	})
}

// SuggestDuplicate records that ticket id looks like a duplicate of
// duplicateOf, with the score and reasons of the check. A suggestion that
// exists already keeps its status.
func (s *Service) SuggestDuplicate(ctx context.Context, id, duplicateOf int64, score float64, reasons []string) error {
	return s.SuggestDuplicates(ctx, id, []DuplicateSuggestion{{Of: duplicateOf, Score: score, Reasons: reasons}})
}

// DuplicateSuggestion is one ticket that a new ticket looks like a duplicate
// of, with the score and reasons of the check.
type DuplicateSuggestion struct {
	Of      int64
	Score   float64
	Reasons []string
}

// SuggestDuplicates records every suggestion of ticket id in one transaction,
// and so one durable commit. A suggestion that exists already keeps its
// status.
func (s *Service) SuggestDuplicates(ctx context.Context, id int64, matches []DuplicateSuggestion) error {
	now := s.opts.Now().UnixMilli()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range matches {
			b, err := json.Marshal(m.Reasons)
			if err != nil {
				return fmt.Errorf("workflow: duplicate reasons: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_duplicates (ticket_id, duplicate_of, score, reasons,
				status, created_at, updated_at) VALUES (?, ?, ?, ?, 'suggested', ?, ?)
				ON CONFLICT (ticket_id, duplicate_of) DO NOTHING`, id, m.Of, m.Score, string(b), now, now); err != nil {
				return fmt.Errorf("workflow: suggest duplicate %d of %d: %w", id, m.Of, err)
			}
		}
		return nil
	})
}

// Suggestion is a stored duplicate suggestion.
type Suggestion struct {
	TicketID    int64    `json:"ticket_id"`
	DuplicateOf int64    `json:"duplicate_of"`
	Score       float64  `json:"score"`
	Reasons     []string `json:"reasons"`
	Status      string   `json:"status"` // suggested, merged, dismissed
}

// Suggestions returns the duplicate suggestions of ticket id, best first.
func (s *Service) Suggestions(ctx context.Context, id int64) ([]Suggestion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ticket_id, duplicate_of, score, reasons, status FROM ticket_duplicates
		WHERE ticket_id = ? ORDER BY score DESC, duplicate_of`, id)
	if err != nil {
		return nil, fmt.Errorf("workflow: suggestions of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var out []Suggestion
	for rows.Next() {
		var sg Suggestion
		var reasons string
		if err := rows.Scan(&sg.TicketID, &sg.DuplicateOf, &sg.Score, &reasons, &sg.Status); err != nil {
			return nil, fmt.Errorf("workflow: suggestions of ticket %d: %w", id, err)
		}
		if err := json.Unmarshal([]byte(reasons), &sg.Reasons); err != nil {
			return nil, fmt.Errorf("workflow: suggestion reasons of ticket %d: %w", id, err)
		}
		out = append(out, sg)
	}
	return out, rows.Err()
}

// maxMergeDepth bounds the walk up a merge chain. A ticket can only be
// merged into an open one, so chains have no cycles; the bound guards
// against a database edited by hand.
const maxMergeDepth = 50

// mergeLead returns the ticket at the top of t's merge chain, whose reply
// covers t. For X merged into Y, and Y later merged into Z, it returns Z.
func mergeLead(ctx context.Context, q store.Querier, t *ticket.Ticket) (*ticket.Ticket, error) {
	lead := t
	for range maxMergeDepth {
		if lead.State != ticket.Merged || lead.MergedInto == 0 {
			return lead, nil
		}
		next, err := loadTicket(ctx, q, lead.MergedInto)
		if err != nil {
			return nil, err
		}
		lead = next
	}
	return nil, fmt.Errorf("workflow: ticket %d: merge chain longer than %d", t.ID, maxMergeDepth)
}

// MergeLeadID returns the id of the ticket at the top of the merged ticket
// t's merge chain, whose reply covers t. It records no access, because the
// caller reads the lead through Get, which records it.
func (s *Service) MergeLeadID(ctx context.Context, t *ticket.Ticket) (int64, error) {
	lead, err := mergeLead(ctx, s.db, t)
	if err != nil {
		return 0, err
	}
	return lead.ID, nil
}
