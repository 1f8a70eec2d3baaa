package kpi

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// DefaultZone is the zone used when a Filter has no Loc.
const DefaultZone = "Asia/Shanghai"

// Filter selects the tickets a Report covers.
type Filter struct {
	// From and To are calendar dates in Loc, both inclusive. Only their year,
	// month and day are used. A zero value leaves that end of the range open.
	From, To time.Time
	// UnitPath keeps only tickets whose unit path starts with it, that is the
	// unit's subtree ("/bureau/east/"). Empty keeps every ticket, including
	// tickets not yet dispatched to any unit.
	UnitPath string
	// Loc is the deployment's zone, which decides where a calendar day starts.
	// Nil means DefaultZone.
	Loc *time.Location
	// Now is the time against which a deadline counts as passed. Zero means
	// time.Now().
	Now time.Time

	// scan makes every KPI scan the tickets even where the rollups could
	// serve it. Tests set it to compare both ways.
	scan bool
}

// bounds is a Filter resolved to Unix milliseconds: [from, to), with 0 for an
// open end.
type bounds struct {
	from, to int64
	unitPath string
	loc      *time.Location
	now      int64
	scan     bool
}

func (f Filter) resolve() (bounds, error) {
	loc := f.Loc
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultZone); err != nil {
			return bounds{}, fmt.Errorf("kpi: zone %s: %w", DefaultZone, err)
		}
	}
	b := bounds{unitPath: f.UnitPath, loc: loc, now: f.Now.UnixMilli(), scan: f.scan}
	if f.Now.IsZero() {
		b.now = time.Now().UnixMilli()
	}
	if !f.From.IsZero() {
		b.from = dayStart(f.From, loc, 0).UnixMilli()
	}
	if !f.To.IsZero() {
		b.to = dayStart(f.To, loc, 1).UnixMilli()
	}
	if b.from != 0 && b.to != 0 && b.to <= b.from {
		return bounds{}, fmt.Errorf("kpi: range %s to %s: the end is before the start",
			f.From.Format(time.DateOnly), f.To.Format(time.DateOnly))
	}
	return b, nil
}

// dayStart returns midnight in loc of the calendar date of t plus days. Building
// it with time.Date keeps days of 23 or 25 hours right where the zone has DST.
func dayStart(t time.Time, loc *time.Location, days int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+days, 0, 0, 0, 0, loc)
}

// where builds the SQL conditions, each starting with " AND ", that keep
// tickets whose column col falls in the range and whose unit is in the
// subtree, and returns them with their arguments. col must be a trusted
// column name.
func (b bounds) where(col string) (string, []any) {
	sql := " AND " + col + " IS NOT NULL"
	var args []any
	if b.from != 0 {
		sql += " AND " + col + " >= ?"
		args = append(args, b.from)
	}
	if b.to != 0 {
		sql += " AND " + col + " < ?"
		args = append(args, b.to)
	}
	if b.unitPath != "" {
		// substr rather than LIKE, because unit ids may contain _ or %, which
		// LIKE reads as wildcards. Both databases count characters, not bytes.
		sql += " AND substr(unit_path, 1, ?) = ?"
		args = append(args, utf8.RuneCountInString(b.unitPath), b.unitPath)
	}
	return sql, args
}

// Days that ParseDay accepts. The rollup tables key days by their
// YYYY-MM-DD text, which sorts as time does only for four-digit years, and
// minyi holds nothing received before 2000.
const (
	FirstDay = "2000-01-01"
	LastDay  = "2999-12-31"
)

// ParseDay parses a calendar day YYYY-MM-DD in loc and returns its start.
// A day before FirstDay or after LastDay is an error too, so that a typo such
// as 9999-12-31 cannot make every figure zero.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if s < FirstDay || s > LastDay {
		return time.Time{}, fmt.Errorf("kpi: day %s is outside %s to %s", s, FirstDay, LastDay)
	}
	return d, nil
}
