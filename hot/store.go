package hot

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"minyi/store"
)

// Load returns the tickets received at or after since as items, leaving out
// those found invalid or withdrawn, which raised no problem to count.
// Merged tickets count: each is a citizen who raised the problem. scope, a
// unit path such as "/bureau/br-qinghe/", keeps only tickets of units in that
// subtree; "" keeps every ticket, including those in triage.
func Load(ctx context.Context, q store.Querier, since time.Time, scope string) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, body, place, COALESCE(citizen_key, ''), received_at
		FROM tickets WHERE received_at >= ? AND state NOT IN ('invalid', 'withdrawn') AND substr(unit_path, 1, ?) = ?
		ORDER BY received_at, id`, since.UnixMilli(), len(scope), scope)
	if err != nil {
		return nil, fmt.Errorf("hot: load tickets: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var id, at int64
		if err := rows.Scan(&id, &it.Title, &it.Body, &it.Place, &it.Citizen, &at); err != nil {
			return nil, fmt.Errorf("hot: load tickets: %w", err)
		}
		it.ID = strconv.FormatInt(id, 10)
		it.At = store.Time(sql.NullInt64{Int64: at, Valid: true})
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hot: load tickets: %w", err)
	}
	return out, nil
}
