package kpi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// The rollup table kpi_daily holds, per metric, calendar day, unit path and
// dimension value, how many tickets (or call-back events) count towards the
// metric. The day is the calendar day in the zone named in kpi_rollup_state
// of the timestamp the metric is dated by. The workflow keeps the rows exact
// by calling TrackInsert, BeforeUpdate and TrackEvent in the transaction that
// writes the ticket or event, and Rebuild recomputes them all from the
// tickets. Every row is a sum of contributions, so the same functions,
// addTicket and addCallback, serve both ways.
const (
	// Dated by received_at, every ticket.
	metricReceived          = "received"            // dimension ""
	metricReceivedByChannel = "received_by_channel" // dimension: channel
	metricReceivedByTag     = "received_by_tag"     // dimension: tag
	metricReceivedByUnit    = "received_by_unit"    // dimension: unit_id
	metricOpen              = "open"                // state not ended
	metricOverdue           = "overdue"             // overdue flag set

	// Dated by closed_at, tickets in state closed.
	metricClosed           = "closed"
	metricClosedCalledBack = "closed_called_back" // with a call-back outcome

	// Dated by replied_at, replies that needed rectification.
	metricRectificationNeeded = "rectification_needed"
	metricRectified           = "rectified"

	// Dated by dispatched_at, tickets with an accept deadline that were signed for.
	metricSignedFor       = "signed_for"
	metricSignedForOnTime = "signed_for_on_time"

	// Dated by reply_due, tickets that were replied.
	metricRepliedDue    = "replied_due"
	metricRepliedOnTime = "replied_on_time"

	// Dated by the call-back event's time, on the ticket's unit path.
	metricRated     = "rated"      // satisfied, basically satisfied or unsatisfied
	metricRatedGood = "rated_good" // satisfied or basically satisfied
)

// ticketFactColumns are the columns addTicket reads, in scanTicketFacts' order.
const ticketFactColumns = `state, COALESCE(unit_id, ''), unit_path, tag, channel, callback_result, received_at,
	dispatched_at, accept_due, accepted_at, reply_due, replied_at, called_back_at, closed_at,
	needs_rectification, rectified, overdue`

// ticketFacts is a ticket's row as far as the rollups count it.
type ticketFacts struct {
	state, unitID, unitPath, tag, channel, result                  string
	received                                                       int64
	dispatched, acceptDue, accepted, replyDue, replied, calledBack sql.NullInt64
	closed                                                         sql.NullInt64
	needsRectification, rectified, overdue                         int
}

// scanTicketFacts scans a row of ticketFactColumns. A SELECT with columns
// before those passes their destinations as first.
func scanTicketFacts(row interface{ Scan(...any) error }, first ...any) (*ticketFacts, error) {
	var f ticketFacts
	err := row.Scan(append(first, &f.state, &f.unitID, &f.unitPath, &f.tag, &f.channel, &f.result, &f.received,
		&f.dispatched, &f.acceptDue, &f.accepted, &f.replyDue, &f.replied, &f.calledBack, &f.closed,
		&f.needsRectification, &f.rectified, &f.overdue)...)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// rollupKey is one row of kpi_daily.
type rollupKey struct {
	metric, day, unitPath, dim string
}

// contributions maps rollup keys to counts.
type contributions map[rollupKey]int64

// addTicket adds the ticket's contributions times sign (+1 or -1). Each
// condition is the one the scan of the same KPI applies to the row, less the
// date range and unit subtree, which the key carries. The parts that depend
// on Filter.Now are left to pendingAccepts and pendingReplies.
func (c contributions) addTicket(f *ticketFacts, loc *time.Location, sign int64) {
	add := func(metric string, ms int64, dim string) {
		c[rollupKey{metric: metric, day: dayOf(ms, loc), unitPath: f.unitPath, dim: dim}] += sign
	}
	state := ticket.State(f.state)

	add(metricReceived, f.received, "")
	add(metricReceivedByChannel, f.received, f.channel)
	add(metricReceivedByTag, f.received, f.tag)
	add(metricReceivedByUnit, f.received, f.unitID)
	if !state.Ended() {
		add(metricOpen, f.received, "")
	}
	if f.overdue == 1 {
		add(metricOverdue, f.received, "")
	}

	if state == ticket.Closed && f.closed.Valid {
		add(metricClosed, f.closed.Int64, "")
		if f.calledBack.Valid && isCallbackOutcome(ticket.Outcome(f.result)) {
			add(metricClosedCalledBack, f.closed.Int64, "")
		}
	}

	if f.replied.Valid && f.needsRectification == 1 {
		add(metricRectificationNeeded, f.replied.Int64, "")
		if f.rectified == 1 {
			add(metricRectified, f.replied.Int64, "")
		}
	}

	if f.dispatched.Valid && f.acceptDue.Valid && f.accepted.Valid {
		add(metricSignedFor, f.dispatched.Int64, "")
		if f.accepted.Int64 <= f.acceptDue.Int64 {
			add(metricSignedForOnTime, f.dispatched.Int64, "")
		}
	}

	if f.replyDue.Valid && f.replied.Valid {
		add(metricRepliedDue, f.replyDue.Int64, "")
		if f.replied.Int64 <= f.replyDue.Int64 {
			add(metricRepliedOnTime, f.replyDue.Int64, "")
		}
	}
}

// addCallback adds a call-back event's contribution to the satisfaction
// rate, as SatisfactionRate's scan counts it, times sign.
func (c contributions) addCallback(at int64, details, unitPath string, loc *time.Location, sign int64) {
	good := strings.Contains(details, `"outcome":"satisfied"`) || strings.Contains(details, `"outcome":"basic"`)
	if !good && !strings.Contains(details, `"outcome":"unsatisfied"`) {
		return
	}
	day := dayOf(at, loc)
	c[rollupKey{metric: metricRated, day: day, unitPath: unitPath}] += sign
	if good {
		c[rollupKey{metric: metricRatedGood, day: day, unitPath: unitPath}] += sign
	}
}

func isCallbackOutcome(o ticket.Outcome) bool {
	switch o {
	case ticket.Satisfied, ticket.BasicSatisfied, ticket.Unsatisfied, ticket.Unreachable:
		return true
	}
	return false
}

func dayOf(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format(time.DateOnly)
}

// apply adds the non-zero counts to kpi_daily. It writes the keys in a fixed
// order, so that two calls touching the same rows on PostgreSQL lock them in
// the same order.
//
// A transaction that calls apply twice, for a ticket save and then its
// event, can still deadlock on PostgreSQL with another that locks the same
// two rows the other way round. PostgreSQL then aborts one transaction, and
// store.DB.InTx runs it again.
func (c contributions) apply(ctx context.Context, q store.Querier) error {
	keys := make([]rollupKey, 0, len(c))
	for k, n := range c {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}

	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.metric != b.metric {
			return a.metric < b.metric
		}
		if a.day != b.day {
			return a.day < b.day
		}
		if a.unitPath != b.unitPath {
			return a.unitPath < b.unitPath
		}
		return a.dim < b.dim
	})

	// One statement for all keys, because a statement costs more than a row.
	// The keys are distinct, as PostgreSQL requires of one upsert.
	var sb strings.Builder
	args := make([]any, 0, 5*len(keys))
	sb.WriteString(`INSERT INTO kpi_daily (metric, day, unit_path, dim, n) VALUES `)
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, k.metric, k.day, k.unitPath, k.dim, c[k])
	}
	sb.WriteString(` ON CONFLICT (metric, day, unit_path, dim) DO UPDATE SET n = kpi_daily.n + excluded.n`)
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("kpi: update %d rollup rows: %w", len(keys), err)
	}
	return nil
}

// zones caches loaded locations by name, because the rollup hooks run on
// every ticket write.
var zones sync.Map

// rollupZone returns the zone the rollups are kept in, or nil when they have
// not been built, in which case every KPI scans the tickets.
func rollupZone(ctx context.Context, q store.Querier) (*time.Location, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT zone FROM kpi_rollup_state WHERE id = 1`).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kpi: rollup state: %w", err)
	}
	return loadZone(name)
}

// zoneQuery selects the rollups' zone, NULL when they are not built, as the
// first column of a query on one ticket, to save the hooks a statement.
const zoneQuery = `(SELECT zone FROM kpi_rollup_state WHERE id = 1)`

// loadZone returns the named zone, or nil for the empty name, which marks
// rollups not built.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, nil
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("kpi: rollup zone %q: %w", name, err)
	}
	zones.Store(name, loc)
	return loc, nil
}

// loadTicketFacts reads the ticket's row, and the rollups' zone, which is nil
// when they are not built.
func loadTicketFacts(ctx context.Context, q store.Querier, id int64) (*time.Location, *ticketFacts, error) {
	var zone sql.NullString
	row := q.QueryRowContext(ctx, `SELECT `+zoneQuery+`, `+ticketFactColumns+` FROM tickets WHERE id = ?`, id)
	f, err := scanTicketFacts(row, &zone)
	if err != nil {
		return nil, nil, fmt.Errorf("kpi: rollup of ticket %d: %w", id, err)
	}
	loc, err := loadZone(zone.String)
	return loc, f, err
}

// TrackInsert adds a newly inserted ticket to the rollups. Call it in the
// transaction that inserted the ticket, after the INSERT.
func TrackInsert(ctx context.Context, q store.Querier, id int64) error {
	loc, after, err := loadTicketFacts(ctx, q, id)
	if err != nil || loc == nil {
		return err
	}
	c := contributions{}
	c.addTicket(after, loc, 1)
	return c.apply(ctx, q)
}

// TicketUpdate is a ticket's rollup contributions read before an UPDATE.
type TicketUpdate struct {
	id     int64
	loc    *time.Location // nil when the rollups are not built
	before *ticketFacts
}

// BeforeUpdate reads the ticket's row before it changes. Call it in the
// transaction that updates the ticket, before the UPDATE, and call Apply on
// the result after it.
func BeforeUpdate(ctx context.Context, q store.Querier, id int64) (TicketUpdate, error) {
	u := TicketUpdate{id: id}
	var err error
	u.loc, u.before, err = loadTicketFacts(ctx, q, id)
	return u, err
}

// Apply moves the ticket's rollup contributions from the row read by
// BeforeUpdate to the row as it is now. When the unit path changed, the
// ticket's call-back events move to the new path too, because satisfaction
// counts them under the ticket's current unit.
func (u TicketUpdate) Apply(ctx context.Context, q store.Querier) error {
	if u.loc == nil {
		return nil
	}
	_, after, err := loadTicketFacts(ctx, q, u.id)
	if err != nil {
		return err
	}
	c := contributions{}
	c.addTicket(u.before, u.loc, -1)
	c.addTicket(after, u.loc, 1)
	if after.unitPath != u.before.unitPath {
		rows, err := q.QueryContext(ctx, `SELECT at, details FROM ticket_events WHERE ticket_id = ? AND action = ?`,
			u.id, string(ticket.ActCallback))
		if err != nil {
			return fmt.Errorf("kpi: rollup of ticket %d: %w", u.id, err)
		}
		defer rows.Close()
		for rows.Next() {
			var at int64
			var details string
			if err := rows.Scan(&at, &details); err != nil {
				return fmt.Errorf("kpi: rollup of ticket %d: %w", u.id, err)
			}
			c.addCallback(at, details, u.before.unitPath, u.loc, -1)
			c.addCallback(at, details, after.unitPath, u.loc, 1)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("kpi: rollup of ticket %d: %w", u.id, err)
		}
	}
	return c.apply(ctx, q)
}

// TrackEvent adds a newly inserted ticket event to the rollups. Only
// call-back events count, under the ticket's unit path as it is in the
// transaction. details is the event's stored JSON.
func TrackEvent(ctx context.Context, q store.Querier, ticketID int64, action ticket.Action, at int64,
	details string) error {
	if action != ticket.ActCallback {
		return nil
	}
	var zone sql.NullString
	var unitPath string
	err := q.QueryRowContext(ctx, `SELECT `+zoneQuery+`, unit_path FROM tickets WHERE id = ?`, ticketID).
		Scan(&zone, &unitPath)
	if err != nil {
		return fmt.Errorf("kpi: rollup of ticket %d: %w", ticketID, err)
	}
	loc, err := loadZone(zone.String)
	if err != nil || loc == nil {
		return err
	}
	c := contributions{}
	c.addCallback(at, details, unitPath, loc, 1)
	return c.apply(ctx, q)
}

// RollupZone returns the name of the zone the rollups are kept in, or "" when
// they have not been built. KPIs for a Filter in that zone read the rollups,
// and all others scan the tickets.
func RollupZone(ctx context.Context, q store.Querier) (string, error) {
	loc, err := rollupZone(ctx, q)
	if err != nil || loc == nil {
		return "", err
	}
	return loc.String(), nil
}
