package dedup

import (
	"context"
	"fmt"

	"minyi/ticket"
)

// Suggester stores the duplicate suggestions of one ticket together, in one
// transaction. cmd/minyi adapts workflow.Service.SuggestDuplicates to it.
type Suggester interface {
	SuggestDuplicates(ctx context.Context, id int64, matches []Match) error
}

// TicketDoc returns the index document of a ticket: its masked title and
// body, place, citizen key and receipt time.
func TicketDoc(t *ticket.Ticket) Doc {
	return Doc{ID: t.ID, Text: t.Title + "\n" + t.Body, Place: t.Place, CitizenKey: t.CitizenKey, At: t.ReceivedAt}
}

// CheckTicket checks a new ticket against the open items of the index,
// stores a suggestion for each match through s, and adds the ticket to the
// index. It returns the matches, best first. Call it after the ticket was
// created; a failed suggestion leaves the ticket out of the index.
func (x *Index) CheckTicket(ctx context.Context, s Suggester, t *ticket.Ticket) ([]Match, error) {
	doc := TicketDoc(t)
	matches := x.Check(doc)
	if len(matches) > 0 {
		if err := s.SuggestDuplicates(ctx, t.ID, matches); err != nil {
			return nil, fmt.Errorf("dedup: ticket %d: %w", t.ID, err)
		}
	}
	x.Add(doc)
	return matches, nil
}
