package dedup

import (
	"context"
	"fmt"

	"minyi/ticket"
)

// Suggester stores a duplicate suggestion; workflow.Service implements it.
type Suggester interface {
	SuggestDuplicate(ctx context.Context, id, duplicateOf int64, score float64, reasons []string) error
}

// CheckTicket checks a new ticket against the open items of the index,
// stores a suggestion for each match through s, and adds the ticket to the
// index. It returns the matches, best first. Call it after the ticket was
// created; a failed suggestion leaves the ticket out of the index.
func (x *Index) CheckTicket(ctx context.Context, s Suggester, t *ticket.Ticket) ([]Match, error) {
	text := t.Title + "\n" + t.Body
	doc := Doc{ID: t.ID, Text: text, Place: t.Place, CitizenKey: t.CitizenKey, At: t.ReceivedAt}
	matches := x.Check(doc)
	for _, m := range matches {
		if err := s.SuggestDuplicate(ctx, t.ID, m.ID, m.Score, m.Reasons); err != nil {
			return nil, fmt.Errorf("dedup: ticket %d: %w", t.ID, err)
		}
	}
	x.Add(doc)
	return matches, nil
}
