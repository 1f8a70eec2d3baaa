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
// NOTE: one row per distinct bigram, about 300 a message body, is still the
// largest cost of an import even with a whole batch written by one AddDocs
// (441 rows/s on SQLite and 427 on PostgreSQL against 750 and 860 without
// indexing, docs/benchmarks.md). A column of space-separated bigrams under
// FTS5 and a PostgreSQL tsvector would write far fewer rows.
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
	return AddDocs(ctx, q, docs)
}

// termRow is one row of search_terms.
type termRow struct {
	term     string
	ticketID int64
	tf       int
}

// AddDocs writes the terms of documents that have none in the index yet,
// such as tickets created in the same transaction. It skips the delete of
// IndexDocs, so a document that already has terms makes it fail on the
// primary key. Pass a whole batch of new tickets in one call, because its
// terms are then written in term order and the key inserts stay local.
func AddDocs(ctx context.Context, q store.Querier, docs []Doc) error {
	var all []termRow
	for _, d := range docs {
		for term, tf := range Terms(d.Title, d.Body, d.Reply) {
			all = append(all, termRow{term, d.TicketID, tf})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].term != all[j].term {
			return all[i].term < all[j].term
		}
		return all[i].ticketID < all[j].ticketID
	})
	if q.DialectName() == store.Postgres {
		return addPostgres(ctx, q, all)
	}
	args := make([]any, 0, 3*min(len(all), insertBatch))
	for start := 0; start < len(all); start += insertBatch {
		chunk := all[start:min(start+insertBatch, len(all))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.term, r.ticketID, r.tf)
		}
		if _, err := q.ExecContext(ctx, insertSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("search: insert terms: %w", err)
		}
	}
	return nil
}

// addPostgres inserts rows with one statement that passes each column as an
// array, which PostgreSQL parses and plans once however many rows there are.
func addPostgres(ctx context.Context, q store.Querier, rows []termRow) error {
	if len(rows) == 0 {
		return nil
	}
	terms := make([]string, len(rows))
	ids := make([]int64, len(rows))
	tfs := make([]int64, len(rows))
	for i, r := range rows {
		terms[i], ids[i], tfs[i] = r.term, r.ticketID, int64(r.tf)
	}
	const query = `INSERT INTO search_terms (term, ticket_id, tf)
		SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS INTEGER[]))`
	if _, err := q.ExecContext(ctx, query, terms, ids, tfs); err != nil {
		return fmt.Errorf("search: insert terms: %w", err)
	}
	return nil
}

func insertSQL(rows int) string {
	return "INSERT INTO search_terms (term, ticket_id, tf) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", rows), ", ")
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
