package dedup

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"minyi/store"
)

// Load returns the open tickets received at or after since as documents, to
// fill an Index at start-up. Open means not yet closed or otherwise ended.
func Load(ctx context.Context, q store.Querier, since time.Time) ([]Doc, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, body, place, COALESCE(citizen_key, ''), received_at
		FROM tickets WHERE received_at >= ?
		AND state NOT IN ('closed', 'merged', 'invalid', 'withdrawn', 'transferred_out') ORDER BY id`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("dedup: load open tickets: %w", err)
	}
	defer rows.Close()
	var out []Doc
	for rows.Next() {
		var d Doc
		var title, body string
		var at int64
		if err := rows.Scan(&d.ID, &title, &body, &d.Place, &d.CitizenKey, &at); err != nil {
			return nil, fmt.Errorf("dedup: load open tickets: %w", err)
		}
		d.Text = title + "\n" + body
		d.At = store.Time(sql.NullInt64{Int64: at, Valid: true})
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dedup: load open tickets: %w", err)
	}
	return out, nil
}
