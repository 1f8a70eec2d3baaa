package dispatch

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"minyi/store"
)

// QualityRow counts dispatches and returns (退单) for one rule, tag or unit.
type QualityRow struct {
	Key        string  `json:"key"`  // the rule (route source), tag or unit id
	Name       string  `json:"name"` // the unit's name for units, else Key
	Dispatched int     `json:"dispatched"`
	Returned   int     `json:"returned"`
	ReturnRate float64 `json:"return_rate"` // Returned / Dispatched, 0 when nothing was dispatched
}

// Quality is the routing-quality report: how often units returned what the
// router or staff sent them, by the rule that sent it, by tag and by unit.
type Quality struct {
	From    time.Time    `json:"from"`
	To      time.Time    `json:"to"`
	Returns int          `json:"returns"`
	ByRule  []QualityRow `json:"by_rule"`
	ByTag   []QualityRow `json:"by_tag"`
	ByUnit  []QualityRow `json:"by_unit"`
}

// RoutingQuality counts the dispatch and return events in [from, to). A
// return is charged to the rule of the dispatch before it (the "route"
// recorded on the dispatch event: rule:NAME, area, place, manual, reopen),
// to the ticket's current tag and to the unit that returned it. scope, a unit
// path such as "/bureau/br-qinghe/", limits the report to events of units in
// that subtree; "" means every unit. Rows are sorted by returns, then by
// return rate.
func (r *Router) RoutingQuality(ctx context.Context, q store.Querier, from, to time.Time, scope string) (*Quality, error) {
	out := &Quality{From: from, To: to}
	rules, tags, units := counter{}, counter{}, counter{}

	rows, err := q.QueryContext(ctx, `SELECT COALESCE(e.unit_id, ''), e.details, t.tag FROM ticket_events e
		JOIN tickets t ON t.id = e.ticket_id JOIN units u ON u.id = e.unit_id
		WHERE e.action = 'dispatch' AND e.at >= ? AND e.at < ? AND substr(u.path, 1, ?) = ?`,
		from.UnixMilli(), to.UnixMilli(), len(scope), scope)
	if err != nil {
		return nil, fmt.Errorf("dispatch: routing quality: %w", err)
	}
	for rows.Next() {
		var unit, details, tag string
		if err := rows.Scan(&unit, &details, &tag); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dispatch: routing quality: %w", err)
		}
		rules.add(routeOf(details), 1, 0)
		tags.add(tag, 1, 0)
		units.add(unit, 1, 0)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("dispatch: routing quality: %w", err)
	}

	// The dispatch that a return undoes is the last dispatch event of the ticket before it.
	rows, err = q.QueryContext(ctx, `SELECT COALESCE(e.unit_id, ''), t.tag,
		COALESCE((SELECT d.details FROM ticket_events d WHERE d.ticket_id = e.ticket_id AND d.action = 'dispatch'
			AND d.id < e.id ORDER BY d.id DESC LIMIT 1), '{}')
		FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id JOIN units u ON u.id = e.unit_id
		WHERE e.action = 'return' AND e.at >= ? AND e.at < ? AND substr(u.path, 1, ?) = ?`,
		from.UnixMilli(), to.UnixMilli(), len(scope), scope)
	if err != nil {
		return nil, fmt.Errorf("dispatch: routing quality: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var unit, tag, details string
		if err := rows.Scan(&unit, &tag, &details); err != nil {
			return nil, fmt.Errorf("dispatch: routing quality: %w", err)
		}
		out.Returns++
		rules.add(routeOf(details), 0, 1)
		tags.add(tag, 0, 1)
		units.add(unit, 0, 1)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dispatch: routing quality: %w", err)
	}
	out.ByRule, out.ByTag, out.ByUnit = rules.rows(nil), tags.rows(nil), units.rows(r.unitName)
	return out, nil
}

// routeOf returns the route recorded in a dispatch event's details.
func routeOf(details string) string {
	var d map[string]string
	if err := json.Unmarshal([]byte(details), &d); err != nil || d["route"] == "" {
		return "(unknown)"
	}
	return d["route"]
}

type counter map[string]*QualityRow

func (c counter) add(key string, dispatched, returned int) {
	if key == "" {
		key = "(none)"
	}
	row, ok := c[key]
	if !ok {
		row = &QualityRow{Key: key, Name: key}
		c[key] = row
	}
	row.Dispatched += dispatched
	row.Returned += returned
}

func (c counter) rows(name func(string) string) []QualityRow {
	out := make([]QualityRow, 0, len(c))
	for _, row := range c {
		if row.Dispatched > 0 {
			row.ReturnRate = float64(row.Returned) / float64(row.Dispatched)
		}
		if name != nil {
			row.Name = name(row.Key)
		}
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b QualityRow) int {
		if c := cmp.Compare(b.Returned, a.Returned); c != 0 {
			return c
		}
		if c := cmp.Compare(b.ReturnRate, a.ReturnRate); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}
