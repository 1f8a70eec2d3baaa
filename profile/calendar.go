package profile

import (
	"math"
	"slices"
	"time"
)

// Working days are the calendar days, in the profile's zone, that are Monday
// to Friday and not listed in calendar.holidays, plus the days listed in
// calendar.workdays (weekend days worked in lieu).
//
// Adding working days uses one rule: the clock runs only on working days, and
// one working day is 24 hours of that clock. So 0.5 working day is 12 clock
// hours on working days, and 1 working day from Friday 22:00 ends on Monday at
// 22:00. A start on a rest day counts from the next working day's midnight. A
// result that falls exactly at the end of a working day is that midnight, not
// the start of the next working day.
//
// NOTE: a day of 23 or 25 hours (a daylight-saving change) counts as its clock
// length, so one working day added across it ends an hour early or late.
// Asia/Shanghai has no daylight saving.

// zone returns the profile's zone: the one Load resolved, else TimeZone, else
// Asia/Shanghai, and UTC when TimeZone is not a valid name. It never returns
// the host's local zone.
func (p *Profile) zone() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	name := p.TimeZone
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "Local" {
		return loc
	}
	return time.UTC
}

// Day returns the calendar date of t in the profile's zone, as "2006-01-02".
func (p *Profile) Day(t time.Time) string {
	return t.In(p.zone()).Format(time.DateOnly)
}

// IsWorkday reports whether the calendar day of t, in the profile's zone, is
// a working day.
func (p *Profile) IsWorkday(t time.Time) bool {
	return p.isWorkday(t.In(p.zone()))
}

// isWorkday expects t already in the profile's zone.
func (p *Profile) isWorkday(t time.Time) bool {
	day := t.Format(time.DateOnly)
	if slices.Contains(p.Calendar.Workdays, day) {
		return true
	}
	if slices.Contains(p.Calendar.Holidays, day) {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns t plus days working days, by the rule above, in the
// profile's zone. Zero or negative days return t unchanged.
func (p *Profile) AddWorkingDays(t time.Time, days float64) time.Time {
	loc := p.zone()
	t = t.In(loc)
	if !(days > 0) {
		return t
	}
	// Milliseconds, because that is the precision times are stored at.
	remaining := time.Duration(math.Round(days*24*3600*1000)) * time.Millisecond
	// Validate does not stop a calendar from listing a whole year of
	// holidays, so the loop has a bound: such a profile gets a wrong deadline
	// instead of a hang.
	limit := 400 + 7*int(min(days, 10000))
	for range limit {
		y, m, d := t.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if p.isWorkday(t) {
			left := next.Sub(t)
			if remaining <= left {
				return t.Add(remaining)
			}
			remaining -= left
		}
		t = next
	}
	return t.Add(remaining)
}

// Deadlines computes the deadlines that the SLA policy for tag and priority
// sets for an item received at start. The accept deadline is accept_hours
// clock hours after start. The reply deadline is reply_days working days after
// start, and the callback deadline is callback_days working days after the
// reply deadline. All three are in the profile's zone.
func (p *Profile) Deadlines(tag, priority string, start time.Time) (accept, reply, callback time.Time) {
	s := p.SLAFor(tag, priority)
	start = start.In(p.zone())
	accept = start.Add(time.Duration(math.Round(s.AcceptHours*3600*1000)) * time.Millisecond)
	reply = p.AddWorkingDays(start, s.ReplyDays)
	callback = p.AddWorkingDays(reply, s.CallbackDays)
	return accept, reply, callback
}
