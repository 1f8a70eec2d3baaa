package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/store"
	"minyi/ticket"
)

// MaxRows is the most rows one Find returns, which bounds an export.
const MaxRows = 50000

// Query is a search: words to find and filters. An empty Text lists the
// tickets that match the filters, newest first.
type Query struct {
	Text string
	// TrackingCode, when set, also finds the ticket with this tracking code,
	// first on the first page, if it meets the scope and the filters. The
	// caller sets it when Text is exactly a tracking code.
	TrackingCode string
	// UnitPath keeps only tickets whose unit path starts with it. The caller
	// sets it from the account's scope; empty keeps every ticket, including
	// those not yet dispatched.
	UnitPath   string
	States     []ticket.State
	Tag        string
	Channel    string
	From, To   time.Time // received in [From, To); zero leaves that end open
	Urgent     bool
	Overdue    bool
	Supervised bool
	Limit      int // rows to return; at most MaxRows, default 20
	Offset     int

	excludeID int64 // a ticket to leave out: the one TrackingCode found
}

// String returns the filters, without the text, as "key=value" pairs joined by
// "&", for the access log.
func (q Query) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("unit_path", q.UnitPath)
	for _, st := range q.States {
		add("state", string(st))
	}
	add("tag", q.Tag)
	add("channel", q.Channel)
	if !q.From.IsZero() {
		add("from", q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		add("to", q.To.UTC().Format(time.RFC3339))
	}
	for _, flag := range []struct {
		name string
		on   bool
	}{{"urgent", q.Urgent}, {"overdue", q.Overdue}, {"supervised", q.Supervised}} {
		if flag.on {
			parts = append(parts, flag.name)
		}
	}
	return strings.Join(parts, "&")
}

// Row is one ticket of a result, with the columns lists and exports show.
type Row struct {
	ID             int64
	TrackingCode   string
	Channel        string
	Kind           string
	Title          string
	Body           string
	Reply          string
	State          ticket.State
	UnitID         string
	UnitPath       string
	Tag            string
	Urgent         bool
	Overdue        bool
	Supervised     bool
	ReceivedAt     time.Time
	RepliedAt      time.Time
	ClosedAt       time.Time
	CallbackResult ticket.Outcome
	Score          float64 // 0 when the query has no text
}

// Result is one page of a search.
type Result struct {
	Rows  []Row
	Total int // matches over all pages, within the scope and filters
}

// Find runs q and returns one page of rows with the total number of matches.
// Rows come best match first, and the latest created ticket first among equal
// scores. A text without any letter or digit matches nothing. The ticket with
// q.TrackingCode, if it meets the scope and filters, precedes every match.
func Find(ctx context.Context, db store.Querier, q Query) (Result, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, MaxRows)
	q.Offset = max(q.Offset, 0)
	if q.TrackingCode == "" {
		return find(ctx, db, q)
	}
	id, err := findCode(ctx, db, q)
	if err != nil {
		return Result{}, err
	}
	if id == 0 {
		return find(ctx, db, q)
	}
	// The code's ticket is the first row of the whole result, so the text
	// matches, which leave it out, start one row later.
	rest := q
	rest.excludeID = id
	want := q.Limit
	if q.Offset == 0 {
		want = q.Limit - 1
	} else {
		rest.Offset = q.Offset - 1
	}
	// A page of one row still runs the text search, for the total.
	rest.Limit = max(want, 1)
	res, err := find(ctx, db, rest)
	if err != nil {
		return Result{}, err
	}
	res.Rows = res.Rows[:min(len(res.Rows), want)]
	res.Total++
	if q.Offset == 0 {
		first, err := loadRows(ctx, db, []int64{id})
		if err != nil {
			return Result{}, err
		}
		res.Rows = append(first, res.Rows...)
	}
	return res, nil
}

// findCode returns the id of the ticket with q.TrackingCode if it meets q's
// scope and filters, else 0.
func findCode(ctx context.Context, db store.Querier, q Query) (int64, error) {
	where, args := filterSQL(q)
	var id int64
	err := db.QueryRowContext(ctx, "SELECT t.id FROM tickets t WHERE t.tracking_code = ?"+where,
		append([]any{q.TrackingCode}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("search: tracking code: %w", err)
	}
	return id, nil
}

// find runs q without its tracking code.
func find(ctx context.Context, db store.Querier, q Query) (Result, error) {
	groups := queryGroups(q.Text)
	if strings.TrimSpace(q.Text) != "" && len(groups) == 0 {
		return Result{}, nil
	}
	query, args := buildFind(q, groups)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return Result{}, fmt.Errorf("search: find: %w", err)
	}
	var ids []int64
	scores := map[int64]float64{}
	total := 0
	for rows.Next() {
		var id, n int64
		var score float64
		if err := rows.Scan(&id, &score, &n); err != nil {
			rows.Close()
			return Result{}, fmt.Errorf("search: find: %w", err)
		}
		ids = append(ids, id)
		scores[id] = score
		total = int(n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Result{}, fmt.Errorf("search: find: %w", err)
	}
	if len(groups) == 0 || (len(ids) == 0 && q.Offset > 0) {
		// A list without text is counted apart, so that its page can walk the
		// received_at index instead of sorting every ticket. A page past the
		// end has no row to carry the window count.
		if total, err = count(ctx, db, q, groups); err != nil {
			return Result{}, err
		}
	}
	out, err := loadRows(ctx, db, ids)
	if err != nil {
		return Result{}, err
	}
	for i := range out {
		out[i].Score = scores[out[i].ID]
	}
	return Result{Rows: out, Total: total}, nil
}

// matchSQL returns a subquery of the tickets that contain every group, with
// a score: each term's weighted count saturates as in BM25 (k1 = 1.2) and the
// scores of the terms add up. Each group is checked with MAX of a 0/1 flag
// rather than COUNT(DISTINCT ...), which PostgreSQL computes by sorting.
func matchSQL(groups []group) (string, []any) {
	// The cast keeps PostgreSQL from computing in numeric, which is several
	// times slower than floating point.
	const score = "CAST(tf AS DOUBLE PRECISION) * 2.2 / (tf + 1.2)"
	var conds, flags []string
	var condArgs, flagArgs []any
	for _, g := range groups {
		if g.term != "" {
			conds = append(conds, "term = ?")
			flags = append(flags, "MAX(CASE WHEN term = ? THEN 1 ELSE 0 END)")
			condArgs, flagArgs = append(condArgs, g.term), append(flagArgs, g.term)
			continue
		}
		end := prefixEnd(g.prefix)
		conds = append(conds, "(term >= ? AND term < ?)")
		flags = append(flags, "MAX(CASE WHEN term >= ? AND term < ? THEN 1 ELSE 0 END)")
		condArgs, flagArgs = append(condArgs, g.prefix, end), append(flagArgs, g.prefix, end)
	}
	if len(groups) == 1 && groups[0].term != "" {
		// One exact term has one row per ticket: nothing to group.
		return "SELECT ticket_id, " + score + " AS score FROM search_terms WHERE term = ?", condArgs
	}
	query := "SELECT ticket_id, SUM(" + score + ") AS score FROM search_terms WHERE " +
		strings.Join(conds, " OR ") + " GROUP BY ticket_id"
	if len(groups) > 1 {
		query += " HAVING " + strings.Join(flags, " + ") + " = " + strconv.Itoa(len(groups))
		condArgs = append(condArgs, flagArgs...)
	}
	return query, condArgs
}

// filterSQL returns the conditions on tickets t, each starting with " AND ".
func filterSQL(q Query) (string, []any) {
	var b strings.Builder
	var args []any
	if q.UnitPath != "" {
		// substr rather than LIKE, because unit ids may contain _ or %.
		b.WriteString(" AND substr(t.unit_path, 1, ?) = ?")
		args = append(args, utf8.RuneCountInString(q.UnitPath), q.UnitPath)
	}
	if len(q.States) > 0 {
		b.WriteString(" AND t.state IN (" + placeholders(len(q.States)) + ")")
		for _, st := range q.States {
			args = append(args, string(st))
		}
	}
	if q.Tag != "" {
		b.WriteString(" AND t.tag = ?")
		args = append(args, q.Tag)
	}
	if q.Channel != "" {
		b.WriteString(" AND t.channel = ?")
		args = append(args, q.Channel)
	}
	if !q.From.IsZero() {
		b.WriteString(" AND t.received_at >= ?")
		args = append(args, q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		b.WriteString(" AND t.received_at < ?")
		args = append(args, q.To.UnixMilli())
	}
	if q.Urgent {
		b.WriteString(" AND t.urgent = 1")
	}
	if q.Overdue {
		b.WriteString(" AND t.overdue = 1")
	}
	if q.Supervised {
		b.WriteString(" AND t.supervised = 1")
	}
	if q.excludeID != 0 {
		b.WriteString(" AND t.id <> ?")
		args = append(args, q.excludeID)
	}
	return b.String(), args
}

// buildFind returns the query of one page of ids with their scores and, for a
// query with text, the total count. Only ids are sorted, so the sort never
// carries ticket text.
func buildFind(q Query, groups []group) (string, []any) {
	where, args := filterSQL(q)
	var query string
	if len(groups) == 0 {
		query = "SELECT t.id, 0.0, 0 FROM tickets t WHERE 1 = 1" + where +
			" ORDER BY t.received_at DESC, t.id DESC LIMIT ? OFFSET ?"
	} else {
		match, matchArgs := matchSQL(groups)
		query = "SELECT m.ticket_id, m.score, COUNT(*) OVER () FROM (" + match + ") m" + joinTickets(where) +
			" ORDER BY m.score DESC, m.ticket_id DESC LIMIT ? OFFSET ?"
		args = append(matchArgs, args...)
	}
	return query, append(args, q.Limit, q.Offset)
}

// joinTickets joins the matches m with their tickets t when where has
// conditions on them. Without conditions the join is left out, because
// looking up every matching ticket costs more than the term lookup itself.
func joinTickets(where string) string {
	if where == "" {
		return ""
	}
	return " JOIN tickets t ON t.id = m.ticket_id WHERE 1 = 1" + where
}

func count(ctx context.Context, db store.Querier, q Query, groups []group) (int, error) {
	where, args := filterSQL(q)
	query := "SELECT COUNT(*) FROM tickets t WHERE 1 = 1" + where
	if len(groups) > 0 {
		match, matchArgs := matchSQL(groups)
		query = "SELECT COUNT(*) FROM (" + match + ") m" + joinTickets(where)
		args = append(matchArgs, args...)
	}
	var n int
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return n, nil
}

const rowColumns = `id, tracking_code, channel, kind, title, body, reply, state, COALESCE(unit_id, ''), unit_path,
	tag, urgent, overdue, supervised, received_at, replied_at, closed_at, callback_result`

// loadChunk is the number of ids fetched by one IN list.
const loadChunk = 500

// loadRows fetches the tickets with the ids, in the order of ids.
func loadRows(ctx context.Context, db store.Querier, ids []int64) ([]Row, error) {
	byID := make(map[int64]Row, len(ids))
	for start := 0; start < len(ids); start += loadChunk {
		chunk := ids[start:min(start+loadChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.QueryContext(ctx, "SELECT "+rowColumns+" FROM tickets WHERE id IN ("+
			placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("search: load rows: %w", err)
		}
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("search: load rows: %w", err)
			}
			byID[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search: load rows: %w", err)
		}
	}
	out := make([]Row, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func scanRow(rows *sql.Rows) (Row, error) {
	var r Row
	var state, outcome string
	var urgent, overdue, supervised int
	var received int64
	var replied, closed sql.NullInt64
	err := rows.Scan(&r.ID, &r.TrackingCode, &r.Channel, &r.Kind, &r.Title, &r.Body, &r.Reply, &state, &r.UnitID,
		&r.UnitPath, &r.Tag, &urgent, &overdue, &supervised, &received, &replied, &closed, &outcome)
	if err != nil {
		return Row{}, err
	}
	r.State, r.CallbackResult = ticket.State(state), ticket.Outcome(outcome)
	r.Urgent, r.Overdue, r.Supervised = urgent != 0, overdue != 0, supervised != 0
	r.ReceivedAt = time.UnixMilli(received).UTC()
	r.RepliedAt, r.ClosedAt = store.Time(replied), store.Time(closed)
	return r, nil
}
