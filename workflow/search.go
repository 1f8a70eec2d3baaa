package workflow

import (
	"context"
	"fmt"
	"unicode/utf8"

	"minyi/search"
	"minyi/store"
	"minyi/ticket"
)

// Page sizes of Search.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 200
)

// Search runs a full-text search within the actor's units, limited to the
// subtree of unitID when it is not empty, and records it in the access log
// with its filter and count in the same transaction. The query text is masked
// like ticket text before it is searched or recorded, and the recorded filter
// also hides runs of 15 or more digits (searchFilterText), so a phone or ID
// number typed into the search box does not reach the log. Other words,
// a name included, are recorded as typed. A text that is exactly a tracking
// code (ticket.ParseTrackingCode) puts the ticket with that code first when it
// is within the scope. A unit outside the actor's scope returns ErrNotFound.
func (s *Service) Search(ctx context.Context, actor ticket.Actor, unitID string, q search.Query) (search.Result, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultSearchLimit
	}
	q.Limit = min(q.Limit, MaxSearchLimit)
	return s.findAndRecord(ctx, actor, unitID, q, "ticket.list", "search")
}

// Export returns every ticket of a search or list, up to search.MaxRows, for
// a spreadsheet, with the same scope rules as Search, and records the export
// with its filter and row count in the same transaction.
func (s *Service) Export(ctx context.Context, actor ticket.Actor, unitID string, q search.Query) (search.Result, error) {
	q.Limit, q.Offset = search.MaxRows, 0
	return s.findAndRecord(ctx, actor, unitID, q, "ticket.export", "export")
}

// MaxQueryChars is the longest search text accepted, in characters.
const MaxQueryChars = 100

func (s *Service) findAndRecord(ctx context.Context, actor ticket.Actor, unitID string, q search.Query,
	action, purpose string) (search.Result, error) {
	if n := utf8.RuneCountInString(q.Text); n > MaxQueryChars {
		return search.Result{}, fmt.Errorf("%w: the search text has %d characters, the limit is %d", ErrInvalid, n, MaxQueryChars)
	}
	scope, ok := s.scopePath(actor, unitID)
	if !ok {
		return search.Result{}, fmt.Errorf("unit %q: %w", unitID, ErrNotFound)
	}
	q.UnitPath = scope
	if code, ok := ticket.ParseTrackingCode(q.Text); ok {
		q.TrackingCode = code
	}
	q.Text = s.opts.Protector.Mask(q.Text)
	filter := q.String()
	if text := searchFilterText(q.Text); text != "" && filter != "" {
		filter = "q=" + text + "&" + filter
	} else if text != "" {
		filter = "q=" + text
	}
	var res search.Result
	// NOTE: on SQLite the read runs in the write transaction, as List does, so
	// that the access and its record commit together. A slow search therefore
	// holds up writers for its duration.
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if res, err = search.Find(ctx, tx, q); err != nil {
			return err
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: action, Purpose: purpose, Filter: filter,
			Count: len(res.Rows), Result: "ok"})
	})
	if err != nil {
		return search.Result{}, err
	}
	return res, nil
}

// indexForSearch writes t's title, body and reply to the search index inside
// tx. Act calls it after a reply and Transcribe after a transcript; new
// tickets go through indexCreated.
func indexForSearch(ctx context.Context, tx *store.Tx, t *ticket.Ticket) error {
	if err := search.Index(ctx, tx, t); err != nil {
		return fmt.Errorf("workflow: index ticket %d: %w", t.ID, err)
	}
	return nil
}

// indexCreated writes the search terms of tickets created in tx with one
// search.AddDocs call, so that a batch of tickets costs a few large inserts
// in term order rather than a delete and an insert per ticket.
func indexCreated(ctx context.Context, tx *store.Tx, created []*prepared) error {
	docs := make([]search.Doc, len(created))
	for i, p := range created {
		docs[i] = search.DocOf(p.t)
	}
	if err := search.AddDocs(ctx, tx, docs); err != nil {
		return fmt.Errorf("workflow: index %d new tickets: %w", len(docs), err)
	}
	return nil
}
