package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"minyi/store"
)

// useRollups reports whether the rollups can serve b: they have been built
// in the zone of b, and b does not request a scan.
func (b bounds) useRollups(ctx context.Context, q store.Querier) (bool, error) {
	if b.scan {
		return false, nil
	}
	loc, err := rollupZone(ctx, q)
	if err != nil {
		return false, err
	}
	return loc != nil && loc.String() == b.loc.String(), nil
}

// rollupWhere builds the conditions, each starting with " AND ", that keep
// the kpi_daily rows of b's days and unit subtree. b.from and b.to are
// midnights in b.loc, so their calendar dates bound the days exactly.
func (b bounds) rollupWhere() (string, []any) {
	var sql string
	var args []any
	if b.from != 0 {
		sql += " AND day >= ?"
		args = append(args, dayOf(b.from, b.loc))
	}
	if b.to != 0 {
		sql += " AND day < ?"
		args = append(args, dayOf(b.to, b.loc))
	}
	if b.unitPath != "" {
		sql += " AND substr(unit_path, 1, ?) = ?"
		args = append(args, utf8.RuneCountInString(b.unitPath), b.unitPath)
	}
	return sql, args
}

// sumRollups returns each metric's total over b's days and unit subtree,
// grouped by col ("" for no grouping, or "day" or "dim"): sums[metric][value].
func (b bounds) sumRollups(ctx context.Context, q store.Querier, col string, metrics ...string) (
	map[string]map[string]int64, error) {
	// PostgreSQL rejects a constant in GROUP BY, so without col the query
	// selects '' and groups by metric alone.
	value, group := "''", "metric"
	if col != "" {
		value, group = col, "metric, "+col
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(metrics)), ", ")
	args := make([]any, 0, len(metrics)+4)
	for _, m := range metrics {
		args = append(args, m)
	}
	where, whereArgs := b.rollupWhere()
	args = append(args, whereArgs...)
	query := "SELECT metric, " + value + ", CAST(SUM(n) AS BIGINT) FROM kpi_daily WHERE metric IN (" + marks + ")" +
		where + " GROUP BY " + group
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[string]map[string]int64{}
	for _, m := range metrics {
		sums[m] = map[string]int64{}
	}
	for rows.Next() {
		var metric, value string
		var n int64
		if err := rows.Scan(&metric, &value, &n); err != nil {
			return nil, err
		}
		// Rows whose tickets all moved away keep a count of 0, which no
		// breakdown shows.
		if n != 0 {
			sums[metric][value] = n
		}
	}
	return sums, rows.Err()
}

// rollupRatio returns the totals of num and den as a Ratio.
func (b bounds) rollupRatio(ctx context.Context, q store.Querier, name, num, den string) (Ratio, error) {
	sums, err := b.sumRollups(ctx, q, "", num, den)
	if err != nil {
		return Ratio{}, fmt.Errorf("kpi: %s: %w", name, err)
	}
	return Ratio{Num: sums[num][""], Den: sums[den][""]}, nil
}

// pendingAccepts counts the tickets dispatched in b's range and not signed
// for whose accept deadline passed by b.now, leaving out those taken away.
// ResponseRate adds them to the denominator. They depend on b.now, so they
// are counted from the tickets, through the partial index of tickets not yet
// signed for.
func (b bounds) pendingAccepts(ctx context.Context, q store.Querier) (int64, error) {
	where, args := b.where("dispatched_at")
	where += " AND accepted_at IS NULL AND accept_due IS NOT NULL AND state NOT IN " + takenAway +
		" AND accept_due <= ?"
	args = append(args, b.now)
	var n int64
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets WHERE 1 = 1"+where, args...).Scan(&n)
	return n, err
}

// pendingReplies counts per day the tickets due in b's range and not replied
// whose reply deadline passed by b.now, leaving out those taken away. Like
// pendingAccepts they depend on b.now and come from the tickets, through the
// partial index of tickets not yet replied.
func (b bounds) pendingReplies(ctx context.Context, q store.Querier) (map[string]int64, error) {
	where, args := b.where("reply_due")
	where += " AND replied_at IS NULL AND state NOT IN " + takenAway + " AND reply_due <= ?"
	args = append(args, b.now)
	days := map[string]int64{}
	err := eachMillis(ctx, q, "SELECT reply_due FROM tickets WHERE 1 = 1"+where, args,
		func(ms int64) { days[dayOf(ms, b.loc)]++ })
	return days, err
}

func rollupResponse(ctx context.Context, q store.Querier, b bounds) (Ratio, error) {
	r, err := b.rollupRatio(ctx, q, "response rate", metricSignedForOnTime, metricSignedFor)
	if err != nil {
		return Ratio{}, err
	}
	pending, err := b.pendingAccepts(ctx, q)
	if err != nil {
		return Ratio{}, fmt.Errorf("kpi: response rate: %w", err)
	}
	r.Den += pending
	return r, nil
}

func rollupDailyCompletion(ctx context.Context, q store.Querier, b bounds) (Daily, error) {
	sums, err := b.sumRollups(ctx, q, "day", metricRepliedDue, metricRepliedOnTime)
	if err != nil {
		return Daily{}, fmt.Errorf("kpi: daily completion rate: %w", err)
	}
	pending, err := b.pendingReplies(ctx, q)
	if err != nil {
		return Daily{}, fmt.Errorf("kpi: daily completion rate: %w", err)
	}
	days := map[string]*Day{}
	day := func(date string) *Day {
		if days[date] == nil {
			days[date] = &Day{Date: date}
		}
		return days[date]
	}
	for date, n := range sums[metricRepliedDue] {
		day(date).Den += n
	}
	for date, n := range sums[metricRepliedOnTime] {
		day(date).Num += n
	}
	for date, n := range pending {
		day(date).Den += n
	}
	var d Daily
	for _, dd := range days {
		if dd.Den > 0 {
			d.Days = append(d.Days, *dd)
		}
	}
	sort.Slice(d.Days, func(i, j int) bool { return d.Days[i].Date < d.Days[j].Date })
	return d, nil
}

func rollupCounts(ctx context.Context, q store.Querier, b bounds) (Counts, error) {
	sums, err := b.sumRollups(ctx, q, "", metricReceived, metricOpen, metricOverdue, metricClosed)
	if err != nil {
		return Counts{}, fmt.Errorf("kpi: counts: %w", err)
	}
	return Counts{Received: sums[metricReceived][""], Closed: sums[metricClosed][""],
		Open: sums[metricOpen][""], Overdue: sums[metricOverdue][""]}, nil
}

// rollupDimension is the received metric behind each Dimension.
var rollupDimension = map[Dimension]string{
	ByChannel: metricReceivedByChannel,
	ByTag:     metricReceivedByTag,
	ByUnit:    metricReceivedByUnit,
}

func rollupCountBy(ctx context.Context, q store.Querier, b bounds, dim Dimension) ([]Group, error) {
	metric := rollupDimension[dim]
	sums, err := b.sumRollups(ctx, q, "dim", metric)
	if err != nil {
		return nil, fmt.Errorf("kpi: count by %s: %w", dim, err)
	}
	var out []Group // nil when empty, as the scan returns it
	for key, n := range sums[metric] {
		out = append(out, Group{Key: key, Received: n})
	}
	return out, nil
}

// rollupTrend adds the received and closed counts per day to day, which
// creates a day on first use.
func rollupTrend(ctx context.Context, q store.Querier, b bounds, day func(date string) *DayCount) error {
	sums, err := b.sumRollups(ctx, q, "day", metricReceived, metricClosed)
	if err != nil {
		return fmt.Errorf("kpi: trend: %w", err)
	}
	for date, n := range sums[metricReceived] {
		day(date).Received += n
	}
	for date, n := range sums[metricClosed] {
		day(date).Closed += n
	}
	return nil
}
