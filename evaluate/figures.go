package evaluate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"minyi/store"
)

// Scope selects the evaluations of one officer or of a unit's subtree.
type Scope struct {
	OfficerID string
	UnitPath  string // "/bureau/br-qinghe/"; a prefix match takes in the subtree
}

func (s Scope) where() (string, []any, error) {
	switch {
	case s.OfficerID != "":
		return "officer_id = ?", []any{s.OfficerID}, nil
	case s.UnitPath != "":
		return "unit_path LIKE ?", []any{s.UnitPath + "%"}, nil
	}
	return "", nil, fmt.Errorf("%w: a scope needs an officer or a unit", ErrInvalid)
}

// Figures counts the evaluations in a scope and period.
type Figures struct {
	Satisfied   int `json:"satisfied"`
	Basic       int `json:"basic"`
	Unsatisfied int `json:"unsatisfied"`
	Praise      int `json:"praise"`
}

// Rated returns the number of ratings.
func (f Figures) Rated() int { return f.Satisfied + f.Basic + f.Unsatisfied }

// SatisfactionRate returns (satisfied + basically satisfied) / rated, and
// false when nothing was rated.
// NOTE: the kpi package owns the bureau-wide definition of the officer
// satisfaction rate; this is the same formula for one officer or unit.
func (f Figures) SatisfactionRate() (float64, bool) {
	if f.Rated() == 0 {
		return 0, false
	}
	return float64(f.Satisfied+f.Basic) / float64(f.Rated()), true
}

func (f *Figures) add(kind Kind, r Rating) {
	if kind == KindPraise {
		f.Praise++
		return
	}
	switch r {
	case Satisfied:
		f.Satisfied++
	case BasicSatisfied:
		f.Basic++
	case Unsatisfied:
		f.Unsatisfied++
	}
}

// Count returns the figures of a scope for evaluations at or after from and
// before to.
func Count(ctx context.Context, q store.Querier, s Scope, from, to time.Time) (Figures, error) {
	w, args, err := s.where()
	if err != nil {
		return Figures{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, rating, COUNT(*) FROM evaluations WHERE `+w+
		` AND at >= ? AND at < ? GROUP BY kind, rating`, append(args, from.UnixMilli(), to.UnixMilli())...)
	if err != nil {
		return Figures{}, fmt.Errorf("evaluate: count: %w", err)
	}
	defer rows.Close()
	var f Figures
	for rows.Next() {
		var kind Kind
		var r Rating
		var n int
		if err := rows.Scan(&kind, &r, &n); err != nil {
			return Figures{}, fmt.Errorf("evaluate: count: %w", err)
		}
		for range n {
			f.add(kind, r)
		}
	}
	return f, rows.Err()
}

// Bucket is the figures of one day or month.
type Bucket struct {
	Start   time.Time `json:"start"`
	Figures Figures   `json:"figures"`
}

// Step is the width of a Series bucket.
type Step string

// The bucket widths.
const (
	Day   Step = "day"
	Month Step = "month"
)

// Series returns the figures of a scope per calendar day or month in loc,
// from the bucket that holds from up to the one before to, with empty buckets
// included so that a chart has no gaps.
// NOTE: it reads one row per evaluation in the period; a rollup table is
// needed before it serves periods with millions of ratings.
func Series(ctx context.Context, q store.Querier, s Scope, from, to time.Time, loc *time.Location, step Step) ([]Bucket, error) {
	if loc == nil {
		loc = time.UTC
	}
	if step != Day && step != Month {
		return nil, fmt.Errorf("%w: step %q is not day or month", ErrInvalid, step)
	}
	w, args, err := s.where()
	if err != nil {
		return nil, err
	}
	floor := func(t time.Time) time.Time {
		t = t.In(loc)
		if step == Month {
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		}
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	next := func(t time.Time) time.Time {
		if step == Month {
			return t.AddDate(0, 1, 0)
		}
		return t.AddDate(0, 0, 1)
	}
	var out []Bucket
	index := map[time.Time]int{}
	for b := floor(from); b.Before(to); b = next(b) {
		index[b] = len(out)
		out = append(out, Bucket{Start: b})
		if len(out) > 3700 {
			return nil, fmt.Errorf("%w: the period has more than 3700 buckets", ErrInvalid)
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, rating, at FROM evaluations WHERE `+w+` AND at >= ? AND at < ?`,
		append(args, from.UnixMilli(), to.UnixMilli())...)
	if err != nil {
		return nil, fmt.Errorf("evaluate: series: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind Kind
		var r Rating
		var at int64
		if err := rows.Scan(&kind, &r, &at); err != nil {
			return nil, fmt.Errorf("evaluate: series: %w", err)
		}
		if i, ok := index[floor(time.UnixMilli(at))]; ok {
			out[i].Figures.add(kind, r)
		}
	}
	return out, rows.Err()
}

// Recent returns the latest evaluations of a scope, newest first, as an
// officer's page may show them. The comment of a rating that was turned into
// a conduct complaint is left out, and so is the link to the complaint,
// because the officer must never see a complaint about them.
func Recent(ctx context.Context, q store.Querier, s Scope, kind Kind, limit int) ([]Evaluation, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	w, args, err := s.where()
	if err != nil {
		return nil, err
	}
	var conds = []string{w}
	if kind != "" {
		conds, args = append(conds, "kind = ?"), append(args, kind)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+evaluationColumns+` FROM evaluations WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("evaluate: recent: %w", err)
	}
	defer rows.Close()
	var out []Evaluation
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, fmt.Errorf("evaluate: recent: %w", err)
		}
		if e.ComplaintTicketID != 0 {
			e.Comment, e.ComplaintTicketID = "", 0
		}
		e.DeviceHash, e.FormKey = "", ""
		out = append(out, e)
	}
	return out, rows.Err()
}
