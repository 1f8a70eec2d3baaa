package search

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"minyi/store"
	"minyi/ticket"
)

// Doc is the searchable text of one ticket, already masked.
type Doc struct {
	TicketID           int64
	Title, Body, Reply string
}

// DocOf returns the searchable text of t.
func DocOf(t *ticket.Ticket) Doc {
	return Doc{TicketID: t.ID, Title: t.Title, Body: t.Body, Reply: t.Reply}
}

// insertBatch is the number of term rows per INSERT statement: 3 arguments a
// row stays far below SQLite's limit of 32,766 and PostgreSQL's of 65,535.
const insertBatch = 1000

// Index replaces the terms of t in the index. Call it in the transaction that
// creates the ticket or changes its title, body or reply, so the index never
// disagrees with a committed ticket.
//
// NOTE: one row per distinct bigram makes indexing about 70 % of an import's
// time (docs/benchmarks.md); a column of space-separated bigrams under FTS5
// and a PostgreSQL tsvector would write far fewer rows.
func Index(ctx context.Context, q store.Querier, t *ticket.Ticket) error {
	return IndexDocs(ctx, q, []Doc{DocOf(t)})
}

// IndexDocs replaces the terms of every document in the index.
func IndexDocs(ctx context.Context, q store.Querier, docs []Doc) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]any, len(docs))
	for i, d := range docs {
		ids[i] = d.TicketID
	}
	for start := 0; start < len(ids); start += insertBatch {
		chunk := ids[start:min(start+insertBatch, len(ids))]
		query := "DELETE FROM search_terms WHERE ticket_id IN (" + placeholders(len(chunk)) + ")"
		if _, err := q.ExecContext(ctx, query, chunk...); err != nil {
			return fmt.Errorf("search: clear terms: %w", err)
		}
	}
	var rows []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		n := len(rows) / 3
		query := "INSERT INTO search_terms (term, ticket_id, tf) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", n), ", ")
		if _, err := q.ExecContext(ctx, query, rows...); err != nil {
			return fmt.Errorf("search: insert terms: %w", err)
		}
		rows = rows[:0]
		return nil
	}
	for _, d := range docs {
		counts := Terms(d.Title, d.Body, d.Reply)
		terms := make([]string, 0, len(counts))
		for term := range counts {
			terms = append(terms, term)
		}
		sort.Strings(terms) // a stable insert order keeps B-tree pages dense
		for _, term := range terms {
			rows = append(rows, term, d.TicketID, counts[term])
			if len(rows) == 3*insertBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// Reindex rebuilds the index of every ticket, batch by batch in ticket id
// order, one transaction a batch, and returns the number of tickets indexed.
// progress, if not nil, is called after each batch with the running count.
// Tickets created while it runs are indexed by their own transactions.
func Reindex(ctx context.Context, db *store.DB, batch int, progress func(done int)) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	done := 0
	var after int64
	for {
		docs, err := loadDocs(ctx, db, after, batch)
		if err != nil {
			return done, err
		}
		if len(docs) == 0 {
			return done, nil
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return IndexDocs(ctx, tx, docs) }); err != nil {
			return done, err
		}
		done += len(docs)
		after = docs[len(docs)-1].TicketID
		if progress != nil {
			progress(done)
		}
	}
}

func loadDocs(ctx context.Context, q store.Querier, after int64, limit int) ([]Doc, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, body, reply FROM tickets WHERE id > ? ORDER BY id LIMIT ?`,
		after, limit)
	if err != nil {
		return nil, fmt.Errorf("search: load tickets: %w", err)
	}
	defer rows.Close()
	var docs []Doc
	for rows.Next() {
		var d Doc
		if err := rows.Scan(&d.TicketID, &d.Title, &d.Body, &d.Reply); err != nil {
			return nil, fmt.Errorf("search: load tickets: %w", err)
		}
		docs = append(docs, d)
	}
	return docs, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
