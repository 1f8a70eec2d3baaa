package kpi

import (
	"context"
	"fmt"
	"time"

	"minyi/store"
)

// Report is every KPI for one Filter. Its JSON keys are the names dashboards,
// exports and the API use. A rate is a number in [0, 1], or null when its
// denominator is 0.
type Report struct {
	CallbackRate        *float64 `json:"callback_rate"`
	RectificationRate   *float64 `json:"rectification_rate"`
	ResponseRate        *float64 `json:"response_rate"`
	DailyCompletionRate *float64 `json:"daily_completion_rate"`
	SatisfactionRate    *float64 `json:"satisfaction_rate"`
	CycleHours          Cycle    `json:"cycle_hours"`
	Counts              Counts   `json:"counts"`

	// Parts holds the numerators and denominators behind the rates, for tables
	// that show "12/15". It is not part of the JSON.
	Parts Parts `json:"-"`
}

// Parts are the counts behind each rate of a Report.
type Parts struct {
	Callback        Ratio
	Rectification   Ratio
	Response        Ratio
	DailyCompletion Daily
	Satisfaction    Ratio
}

// Ratio is a rate as its numerator and denominator.
type Ratio struct {
	Num, Den int64
}

// Rate returns Num/Den, or nil when Den is 0.
func (r Ratio) Rate() *float64 {
	if r.Den == 0 {
		return nil
	}
	v := float64(r.Num) / float64(r.Den)
	return &v
}

// Compute runs every KPI for f and returns them as one Report.
func Compute(ctx context.Context, q store.Querier, f Filter) (Report, error) {
	// Resolve the zone and the clock once, so every KPI sees the same ones.
	b, err := f.resolve()
	if err != nil {
		return Report{}, err
	}
	f.Loc = b.loc
	f.Now = time.UnixMilli(b.now)

	var r Report
	if r.Parts.Callback, err = CallbackRate(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.Parts.Rectification, err = RectificationRate(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.Parts.Response, err = ResponseRate(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.Parts.DailyCompletion, err = DailyCompletionRate(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.Parts.Satisfaction, err = SatisfactionRate(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.CycleHours, err = CycleHours(ctx, q, f); err != nil {
		return Report{}, err
	}
	if r.Counts, err = TicketCounts(ctx, q, f); err != nil {
		return Report{}, err
	}
	r.CallbackRate = r.Parts.Callback.Rate()
	r.RectificationRate = r.Parts.Rectification.Rate()
	r.ResponseRate = r.Parts.Response.Rate()
	r.DailyCompletionRate = r.Parts.DailyCompletion.Rate()
	r.SatisfactionRate = r.Parts.Satisfaction.Rate()
	return r, nil
}

// countRatio counts the tickets that match where and, among them, those that
// also match num. num must be trusted SQL without placeholders.
func countRatio(ctx context.Context, q store.Querier, name, num, where string, args []any) (Ratio, error) {
	query := "SELECT COUNT(CASE WHEN " + num + " THEN 1 END), COUNT(*) FROM tickets WHERE 1 = 1" + where
	var r Ratio
	if err := q.QueryRowContext(ctx, query, args...).Scan(&r.Num, &r.Den); err != nil {
		return Ratio{}, fmt.Errorf("kpi: %s: %w", name, err)
	}
	return r, nil
}
