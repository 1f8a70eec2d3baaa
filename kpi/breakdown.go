package kpi

import (
	"context"
	"fmt"
	"sort"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// The breakdowns below count tickets for charts. They define no rate: every
// rate comes from Compute, called once per unit or range.

// Dimension is a ticket column a breakdown groups by.
type Dimension string

// The dimensions of CountBy.
const (
	ByChannel Dimension = "channel"
	ByTag     Dimension = "tag"
	ByUnit    Dimension = "unit_id"
)

// Group is the number of tickets received in a range with one value of a
// dimension.
type Group struct {
	Key      string `json:"key"`
	Received int64  `json:"received"`
}

// CountBy counts the tickets whose received_at falls in f's range, as
// Counts.Received does, grouped by dim, largest group first. Tickets without a
// value (no tag yet, not dispatched) are grouped under "".
func CountBy(ctx context.Context, q store.Querier, f Filter, dim Dimension) ([]Group, error) {
	switch dim {
	case ByChannel, ByTag, ByUnit:
	default:
		return nil, fmt.Errorf("kpi: unknown dimension %q", dim)
	}
	b, err := f.resolve()
	if err != nil {
		return nil, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []Group
	if rollups {
		out, err = rollupCountBy(ctx, q, b, dim)
	} else {
		out, err = scanCountBy(ctx, q, b, dim)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Received != out[j].Received {
			return out[i].Received > out[j].Received
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func scanCountBy(ctx context.Context, q store.Querier, b bounds, dim Dimension) ([]Group, error) {
	where, args := b.where("received_at")
	col := "COALESCE(" + string(dim) + ", '')"
	rows, err := q.QueryContext(ctx, "SELECT "+col+", COUNT(*) FROM tickets WHERE 1 = 1"+where+
		" GROUP BY "+col, args...)
	if err != nil {
		return nil, fmt.Errorf("kpi: count by %s: %w", dim, err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Key, &g.Received); err != nil {
			return nil, fmt.Errorf("kpi: count by %s: %w", dim, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi: count by %s: %w", dim, err)
	}
	return out, nil
}

// DayCount is one calendar day of a trend.
type DayCount struct {
	Date     string `json:"date"`     // YYYY-MM-DD in the Filter's zone
	Received int64  `json:"received"` // tickets whose received_at falls on the day
	Closed   int64  `json:"closed"`   // tickets in state closed whose closed_at falls on the day
}

// Trend counts received and closed tickets per calendar day of f's range,
// with the same definitions as Counts. Every day of a bounded range is
// present, also days without tickets; an open range covers the days that
// have tickets.
func Trend(ctx context.Context, q store.Querier, f Filter) ([]DayCount, error) {
	b, err := f.resolve()
	if err != nil {
		return nil, err
	}
	days := map[string]*DayCount{}
	day := func(date string) *DayCount {
		d := days[date]
		if d == nil {
			d = &DayCount{Date: date}
			days[date] = d
		}
		return d
	}
	if b.from != 0 && b.to != 0 {
		for t := time.UnixMilli(b.from).In(b.loc); t.UnixMilli() < b.to; t = dayStart(t, b.loc, 1) {
			day(dayOf(t.UnixMilli(), b.loc))
		}
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return nil, err
	}
	if rollups {
		err = rollupTrend(ctx, q, b, day)
	} else {
		err = scanTrend(ctx, q, b, day)
	}
	if err != nil {
		return nil, err
	}
	out := make([]DayCount, 0, len(days))
	for _, d := range days {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

func scanTrend(ctx context.Context, q store.Querier, b bounds, day func(date string) *DayCount) error {
	where, args := b.where("received_at")
	if err := eachMillis(ctx, q, "SELECT received_at FROM tickets WHERE 1 = 1"+where, args,
		func(ms int64) { day(dayOf(ms, b.loc)).Received++ }); err != nil {
		return fmt.Errorf("kpi: trend: %w", err)
	}
	where, args = b.where("closed_at")
	if err := eachMillis(ctx, q, "SELECT closed_at FROM tickets WHERE state = '"+string(ticket.Closed)+"'"+where,
		args, func(ms int64) { day(dayOf(ms, b.loc)).Closed++ }); err != nil {
		return fmt.Errorf("kpi: trend: %w", err)
	}
	return nil
}

func eachMillis(ctx context.Context, q store.Querier, query string, args []any, fn func(int64)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			return err
		}
		fn(ms)
	}
	return rows.Err()
}

// Change is a group's count in a range against the range before it.
type Change struct {
	Key      string `json:"key"`
	Current  int64  `json:"current"`
	Previous int64  `json:"previous"`
}

// Rising returns the groups of current whose count grew against previous by
// at least minGain tickets, the largest gain first. Groups with an empty key
// are left out.
func Rising(current, previous []Group, minGain int64) []Change {
	before := map[string]int64{}
	for _, g := range previous {
		before[g.Key] = g.Received
	}
	var out []Change
	for _, g := range current {
		if g.Key == "" || g.Received-before[g.Key] < minGain {
			continue
		}
		out = append(out, Change{Key: g.Key, Current: g.Received, Previous: before[g.Key]})
	}
	sort.Slice(out, func(i, j int) bool {
		gi, gj := out[i].Current-out[i].Previous, out[j].Current-out[j].Previous
		if gi != gj {
			return gi > gj
		}
		return out[i].Key < out[j].Key
	})
	return out
}
