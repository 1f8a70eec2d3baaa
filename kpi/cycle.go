package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"

	"minyi/store"
	"minyi/ticket"
)

// Stats summarises durations in hours. Mean, P50 and P90 are null when Count
// is 0.
type Stats struct {
	Count int      `json:"count"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P90   *float64 `json:"p90"`
}

// Cycle is the handling time of closed tickets: the whole loop from received
// to closed in the embedded Stats, and each stage in Stages.
type Cycle struct {
	Stats
	Stages Stages `json:"stages"`
}

// Stages are the handling times between consecutive steps of the loop.
type Stages struct {
	ReceivedToDispatched Stats `json:"received_to_dispatched"`
	DispatchedToAccepted Stats `json:"dispatched_to_accepted"`
	AcceptedToReplied    Stats `json:"accepted_to_replied"`
	RepliedToReviewed    Stats `json:"replied_to_reviewed"`
	ReviewedToCalledBack Stats `json:"reviewed_to_called_back"`
	CalledBackToClosed   Stats `json:"called_back_to_closed"`
}

// CycleHours measures how long closed tickets took, in hours.
//
//	loop  = closed_at - received_at
//	stage = the later step's time - the earlier step's time
//
// It covers the tickets in state closed whose closed_at falls in the range. Mean is
// the arithmetic mean. P50 and P90 interpolate linearly between the two
// nearest ranks, as PostgreSQL's percentile_cont does. A stage leaves out
// tickets missing either time, such as tickets imported without their history,
// and pairs whose later time is before the earlier one. Only a ticket's latest
// pass counts for its stages: after a reopen, received to dispatched runs to
// the new dispatch, and the first pass's accept, reply and review times are
// replaced. Tickets that ended without closing (merged, invalid, withdrawn,
// transferred out) are left out.
func CycleHours(ctx context.Context, q store.Querier, f Filter) (Cycle, error) {
	b, err := f.resolve()
	if err != nil {
		return Cycle{}, err
	}
	where, args := b.where("closed_at")
	query := "SELECT received_at, dispatched_at, accepted_at, replied_at, reviewed_at, called_back_at, closed_at" +
		" FROM tickets WHERE state = '" + string(ticket.Closed) + "'" + where
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return Cycle{}, fmt.Errorf("kpi: cycle hours: %w", err)
	}
	defer rows.Close()

	// durations[0] is the whole loop. durations[i] for i >= 1 is the stage from
	// the (i-1)-th to the i-th time of the SELECT.
	var durations [7][]float64
	for rows.Next() {
		var steps [7]sql.NullInt64
		if err := rows.Scan(&steps[0], &steps[1], &steps[2], &steps[3], &steps[4], &steps[5], &steps[6]); err != nil {
			return Cycle{}, fmt.Errorf("kpi: cycle hours: %w", err)
		}
		addHours(&durations[0], steps[0], steps[6])
		for i := 0; i < 6; i++ {
			addHours(&durations[i+1], steps[i], steps[i+1])
		}
	}
	if err := rows.Err(); err != nil {
		return Cycle{}, fmt.Errorf("kpi: cycle hours: %w", err)
	}

	return Cycle{
		Stats: summarize(durations[0]),
		Stages: Stages{
			ReceivedToDispatched: summarize(durations[1]),
			DispatchedToAccepted: summarize(durations[2]),
			AcceptedToReplied:    summarize(durations[3]),
			RepliedToReviewed:    summarize(durations[4]),
			ReviewedToCalledBack: summarize(durations[5]),
			CalledBackToClosed:   summarize(durations[6]),
		},
	}, nil
}

func addHours(out *[]float64, start, end sql.NullInt64) {
	if !start.Valid || !end.Valid || end.Int64 < start.Int64 {
		return
	}
	*out = append(*out, float64(end.Int64-start.Int64)/float64(3_600_000))
}

func summarize(hours []float64) Stats {
	s := Stats{Count: len(hours)}
	if len(hours) == 0 {
		return s
	}
	sort.Float64s(hours)
	var sum float64
	for _, h := range hours {
		sum += h
	}
	mean := sum / float64(len(hours))
	p50, p90 := percentile(hours, 0.5), percentile(hours, 0.9)
	s.Mean, s.P50, s.P90 = &mean, &p50, &p90
	return s
}

// percentile returns the p-quantile of sorted, interpolating linearly between
// the values at ranks floor(p·(n-1)) and ceil(p·(n-1)).
func percentile(sorted []float64, p float64) float64 {
	rank := p * float64(len(sorted)-1)
	lo, hi := int(math.Floor(rank)), int(math.Ceil(rank))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(rank-float64(lo))
}
