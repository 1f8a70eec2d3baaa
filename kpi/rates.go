package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// SQL lists of states and outcomes, built from the ticket package's constants.
var (
	// takenAway are the ended states a ticket reaches without being handled:
	// it was merged into another, found invalid, withdrawn or transferred out.
	takenAway        = sqlList(ticket.Merged, ticket.Invalid, ticket.Withdrawn, ticket.TransferredOut)
	endedStates      = sqlList(ticket.Closed, ticket.Merged, ticket.Invalid, ticket.Withdrawn, ticket.TransferredOut)
	callbackOutcomes = sqlList(ticket.Satisfied, ticket.BasicSatisfied, ticket.Unsatisfied, ticket.Unreachable)
	ratedOutcomes    = sqlList(ticket.Satisfied, ticket.BasicSatisfied, ticket.Unsatisfied)
	goodOutcomes     = sqlList(ticket.Satisfied, ticket.BasicSatisfied)
)

// sqlList quotes values from the ticket package's constants as an SQL list,
// "('a', 'b')". The values are fixed identifiers without quotes.
func sqlList[T ~string](values ...T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + string(v) + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// CallbackRate is the share of closed tickets that were called back.
//
//	callback_rate = closed tickets with a completed or exhausted call-back / closed tickets
//
// The denominator is the tickets in state closed whose closed_at falls in the
// range. A call-back is completed when the citizen gave any rating, and
// exhausted when the configured attempts all went unanswered (unreachable). A
// ticket reopened after closing has no closed_at and is left out until it
// closes again. The workflow closes a ticket only after a call-back, so the
// rate is below 1 only for tickets closed some other way, such as by import.
func CallbackRate(ctx context.Context, q store.Querier, f Filter) (Ratio, error) {
	b, err := f.resolve()
	if err != nil {
		return Ratio{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Ratio{}, err
	}
	if rollups {
		return b.rollupRatio(ctx, q, "callback rate", metricClosedCalledBack, metricClosed)
	}
	where, args := b.where("closed_at")
	where += " AND state = '" + string(ticket.Closed) + "'"
	num := "called_back_at IS NOT NULL AND callback_result IN " + callbackOutcomes
	return countRatio(ctx, q, "callback rate", num, where, args)
}

// RectificationRate is the share of problems that the handling unit reported
// as rectified.
//
//	rectification_rate = replied tickets marked rectified / replied tickets that needed rectification
//
// The denominator is the tickets whose replied_at falls in the range and whose
// reply recorded that the problem needed rectification. Replies that needed none are
// left out. Only a ticket's latest reply counts: a reply rejected at review
// and replied again counts once, as replied the second time.
func RectificationRate(ctx context.Context, q store.Querier, f Filter) (Ratio, error) {
	b, err := f.resolve()
	if err != nil {
		return Ratio{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Ratio{}, err
	}
	if rollups {
		return b.rollupRatio(ctx, q, "rectification rate", metricRectified, metricRectificationNeeded)
	}
	where, args := b.where("replied_at")
	where += " AND needs_rectification = 1"
	return countRatio(ctx, q, "rectification rate", "rectified = 1", where, args)
}

// ResponseRate is the share of dispatched tickets that the unit signed for
// (签收) by the accept deadline.
//
//	response_rate = tickets with accepted_at <= accept_due / dispatched tickets
//
// The denominator is the tickets whose latest dispatched_at falls in the range
// and that have an accept deadline. Left out are tickets without an accept
// deadline, tickets not signed for whose deadline is still running at
// Filter.Now, and tickets merged, found invalid, withdrawn or transferred out
// before anyone signed for them. A ticket the unit returned (退单) without
// signing for it counts as not signed for in time.
func ResponseRate(ctx context.Context, q store.Querier, f Filter) (Ratio, error) {
	b, err := f.resolve()
	if err != nil {
		return Ratio{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Ratio{}, err
	}
	if rollups {
		return rollupResponse(ctx, q, b)
	}
	where, args := b.where("dispatched_at")
	where += " AND accept_due IS NOT NULL" +
		" AND NOT (accepted_at IS NULL AND state IN " + takenAway + ")" +
		" AND (accepted_at IS NOT NULL OR accept_due <= ?)"
	args = append(args, b.now)
	num := "accepted_at IS NOT NULL AND accepted_at <= accept_due"
	return countRatio(ctx, q, "response rate", num, where, args)
}

// SatisfactionRate is the share of rated call-backs in which the citizen was
// satisfied or basically satisfied.
//
//	satisfaction_rate = (satisfied + basically satisfied) / (satisfied + basically satisfied + unsatisfied)
//
// Every rating counts, including one that reopened its ticket before a later
// call-back rated it again, so the denominator is the call-back events
// (ticket_events with action callback) whose time falls in the range, on
// tickets of the unit subtree. Unreachable call-backs give no rating and are
// left out.
func SatisfactionRate(ctx context.Context, q store.Querier, f Filter) (Ratio, error) {
	b, err := f.resolve()
	if err != nil {
		return Ratio{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Ratio{}, err
	}
	if rollups {
		return b.rollupRatio(ctx, q, "satisfaction rate", metricRatedGood, metricRated)
	}
	where, args := b.where("e.at")
	// The workflow writes details as compact JSON, so the outcome appears as
	// the exact text "outcome":"satisfied" on both databases.
	good := `(e.details LIKE '%"outcome":"satisfied"%' OR e.details LIKE '%"outcome":"basic"%')`
	rated := `(` + good[1:len(good)-1] + ` OR e.details LIKE '%"outcome":"unsatisfied"%')`
	query := `SELECT COALESCE(SUM(CASE WHEN ` + good + ` THEN 1 ELSE 0 END), 0), COUNT(*)
		FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE e.action = 'callback' AND ` + rated + where
	var r Ratio
	if err := q.QueryRowContext(ctx, query, args...).Scan(&r.Num, &r.Den); err != nil {
		return Ratio{}, fmt.Errorf("kpi: satisfaction rate: %w", err)
	}
	return r, nil
}

// Daily holds the parts of the daily completion rate: one Ratio per calendar
// day that had tickets due, in date order.
type Daily struct {
	Days []Day
}

// Day is one calendar day's completed and due tickets.
type Day struct {
	Date string // YYYY-MM-DD in the Filter's zone
	Ratio
}

// Rate returns the mean of the daily rates, or nil when no day had tickets due.
// Every day weighs the same, whatever its number of tickets.
func (d Daily) Rate() *float64 {
	if len(d.Days) == 0 {
		return nil
	}
	var sum float64
	for _, day := range d.Days {
		sum += float64(day.Num) / float64(day.Den)
	}
	v := sum / float64(len(d.Days))
	return &v
}

// DailyCompletionRate is the share of tickets due on a day that were
// completed (办结, replied) by their deadline, averaged over the days.
//
//	day rate = tickets due that day with replied_at <= reply_due / tickets due that day
//	daily_completion_rate = mean of the day rates over the days in the range that had tickets due
//
// A ticket is due on the calendar day of its reply_due in the Filter's zone.
// Days without tickets due are left out of the mean. Left out of a day are
// tickets not yet replied whose deadline is still running at Filter.Now, and
// tickets merged, found invalid, withdrawn or transferred out without a
// reply. A granted extension moves reply_due, so the ticket counts on its new
// day.
func DailyCompletionRate(ctx context.Context, q store.Querier, f Filter) (Daily, error) {
	b, err := f.resolve()
	if err != nil {
		return Daily{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Daily{}, err
	}
	if rollups {
		return rollupDailyCompletion(ctx, q, b)
	}
	where, args := b.where("reply_due")
	where += " AND NOT (replied_at IS NULL AND state IN " + takenAway + ")" +
		" AND (replied_at IS NOT NULL OR reply_due <= ?)"
	args = append(args, b.now)

	rows, err := q.QueryContext(ctx, "SELECT reply_due, replied_at FROM tickets WHERE 1 = 1"+where, args...)
	if err != nil {
		return Daily{}, fmt.Errorf("kpi: daily completion rate: %w", err)
	}
	defer rows.Close()

	days := map[string]*Day{}
	for rows.Next() {
		var due int64
		var replied *int64
		if err := rows.Scan(&due, &replied); err != nil {
			return Daily{}, fmt.Errorf("kpi: daily completion rate: %w", err)
		}
		date := time.UnixMilli(due).In(b.loc).Format(time.DateOnly)
		day := days[date]
		if day == nil {
			day = &Day{Date: date}
			days[date] = day
		}
		day.Den++
		if replied != nil && *replied <= due {
			day.Num++
		}
	}
	if err := rows.Err(); err != nil {
		return Daily{}, fmt.Errorf("kpi: daily completion rate: %w", err)
	}

	var d Daily
	for _, day := range days {
		d.Days = append(d.Days, *day)
	}
	sort.Slice(d.Days, func(i, j int) bool { return d.Days[i].Date < d.Days[j].Date })
	return d, nil
}

// Counts are ticket totals for a Filter.
type Counts struct {
	Received int64 `json:"received"` // tickets whose received_at falls in the range
	Closed   int64 `json:"closed"`   // tickets in state closed whose closed_at falls in the range
	Open     int64 `json:"open"`     // tickets received in the range that have not ended
	Overdue  int64 `json:"overdue"`  // tickets received in the range whose overdue flag is set
}

// TicketCounts counts the tickets received in the range, those of them still
// open and those flagged overdue, and the tickets closed in the range. A ticket
// is open until it is closed, merged, found invalid, withdrawn or transferred
// out. The overdue flag is read as it is now: the deadline sweep sets it, and a
// new dispatch or an extension clears it.
func TicketCounts(ctx context.Context, q store.Querier, f Filter) (Counts, error) {
	b, err := f.resolve()
	if err != nil {
		return Counts{}, err
	}
	rollups, err := b.useRollups(ctx, q)
	if err != nil {
		return Counts{}, err
	}
	if rollups {
		return rollupCounts(ctx, q, b)
	}
	var c Counts
	where, args := b.where("received_at")
	query := "SELECT COUNT(*), COUNT(CASE WHEN state NOT IN " + endedStates + " THEN 1 END)," +
		" COUNT(CASE WHEN overdue = 1 THEN 1 END) FROM tickets WHERE 1 = 1" + where
	if err := q.QueryRowContext(ctx, query, args...).Scan(&c.Received, &c.Open, &c.Overdue); err != nil {
		return Counts{}, fmt.Errorf("kpi: counts: %w", err)
	}
	where, args = b.where("closed_at")
	query = "SELECT COUNT(*) FROM tickets WHERE state = '" + string(ticket.Closed) + "'" + where
	if err := q.QueryRowContext(ctx, query, args...).Scan(&c.Closed); err != nil {
		return Counts{}, fmt.Errorf("kpi: counts: %w", err)
	}
	return c, nil
}
