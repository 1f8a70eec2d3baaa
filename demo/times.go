package demo

import (
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"minyi/profile"
)

// hourWeights is the relative number of items received in each hour of a
// working day, in the profile's zone: few at night, a morning peak from 9 to
// 11, a lunch dip and an afternoon peak. The shape is an estimate of how a
// city bureau's intake runs, not a measurement.
var hourWeights = [24]float64{
	0.15, 0.10, 0.08, 0.06, 0.06, 0.10, 0.30, 0.70, // 0–7
	1.20, 1.60, 1.70, 1.50, 1.00, 1.10, 1.50, 1.60, // 8–15
	1.50, 1.30, 1.00, 0.90, 0.90, 0.80, 0.50, 0.30, // 16–23
}

// restDayFactor scales the hour weights on weekends and holidays of the
// profile's calendar.
const restDayFactor = 0.6

// hourBucket is one clock hour of the period, cut to [from, to) at the ends,
// with the cumulative weight up to and including it.
type hourBucket struct {
	start, end time.Time
	cumulative float64
}

// spreadTimes returns n times in [from, to), sorted, drawn with the density
// of hourWeights and restDayFactor in the profile's zone. Times are whole
// milliseconds, as the store keeps them.
func spreadTimes(p *profile.Profile, rng *rand.Rand, n int, from, to time.Time) []time.Time {
	loc := zoneOf(p)
	local := from.In(loc)
	var (
		buckets []hourBucket
		total   float64
	)
	start := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, loc)
	for ; start.Before(to); start = start.Add(time.Hour) {
		lo, hi := later(start, from), earlier(start.Add(time.Hour), to)
		if !hi.After(lo) {
			continue
		}
		w := hourWeights[start.In(loc).Hour()] * hi.Sub(lo).Hours()
		if !p.IsWorkday(start) {
			w *= restDayFactor
		}
		total += w
		buckets = append(buckets, hourBucket{start: lo, end: hi, cumulative: total})
	}
	out := make([]time.Time, n)
	for i := range out {
		x := rng.Float64() * total
		k := sort.Search(len(buckets), func(j int) bool { return buckets[j].cumulative > x })
		k = min(k, len(buckets)-1)
		b := buckets[k]
		t := b.start.Add(time.Duration(rng.Int64N(int64(b.end.Sub(b.start))))).Truncate(time.Millisecond)
		out[i] = later(t, from).In(loc)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// zoneOf returns the profile's zone as Load resolved it, else the zone its
// TimeZone names, else Asia/Shanghai.
func zoneOf(p *profile.Profile) *time.Location {
	if p.Location != nil {
		return p.Location
	}
	name := p.TimeZone
	if name == "" {
		name = profile.DefaultTimeZone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
