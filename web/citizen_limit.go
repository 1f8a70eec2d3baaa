package web

import (
	"sync"
	"time"
)

// Rate is a token bucket's size: Burst requests at once, refilled at PerHour.
type Rate struct {
	Burst   int
	PerHour int
}

// CitizenLimits sizes the rate limits of the citizen pages. Each form post
// (submission, rating, praise) takes a token from the buckets of its device,
// its client address and its code from that address. Each progress lookup
// takes one from the lookup buckets of its device and address. A client
// address is an IPv4 address or an IPv6 /64, the block one subscriber
// usually gets.
type CitizenLimits struct {
	PerDevice  Rate
	PerAddress Rate
	// PerCodeAddress bounds the posts to one code from one client address,
	// so no address can spend the allowance of a code for the others. There
	// is no bucket per code alone, because anyone holding many addresses
	// (an IPv6 /48 has 65,536 /64s) could empty it and block the code for
	// everyone, which is the attack an officer could use against their own code.
	PerCodeAddress   Rate
	LookupPerDevice  Rate
	LookupPerAddress Rate
	// NewDevicePerAddress bounds the device cookies issued to one address.
	// Past it, a browser without a valid cookie gets none and counts as the
	// device of its address, so a script that drops its cookies shares one
	// device and its one rating per officer per rating period.
	NewDevicePerAddress Rate
	// RatingsPerAddress caps the ratings, and separately the praise, of one
	// officer (or one code without an officer) from one address in each
	// rating period. The database keeps the count, so it holds across
	// processes and restarts whatever the devices claim.
	RatingsPerAddress int
}

// DefaultCitizenLimits are sized for a service hall whose visitors share one
// public address. The address allows 120 posts at once and 1,200 an hour (one
// every 3 s), which is an estimate well above the few hundred visitors a hall
// serves a day. One device may send 10 posts at once and 30 an hour, and one
// address 60 at once and 600 an hour to one code. Progress lookups allow 10
// at once and 60 an hour per device, and 200 at once and 2,000 an hour per
// address, so guessing a tracking code together with its four digits is
// impractical.
var DefaultCitizenLimits = CitizenLimits{
	PerDevice:        Rate{Burst: 10, PerHour: 30},
	PerAddress:       Rate{Burst: 120, PerHour: 1200},
	PerCodeAddress:   Rate{Burst: 60, PerHour: 600},
	LookupPerDevice:  Rate{Burst: 10, PerHour: 60},
	LookupPerAddress: Rate{Burst: 200, PerHour: 2000},
	// A hall's visitors open the pages over the day, not in one minute, so
	// 20 new devices at once and 60 an hour is an estimate above real use.
	NewDevicePerAddress: Rate{Burst: 20, PerHour: 60},
	// Several citizens rating the same officer from a station's one public
	// address on one day is normal. 20 is an estimate of a busy officer's
	// day at a service window, and a script gains at most that many a day.
	RatingsPerAddress: 20,
}

// rateLimiter holds token buckets by key. It lives in one process, so with
// several core processes each enforces its own share, and a restart empties
// it. The cap that must hold across both, RatingsPerAddress, is counted in
// the database instead.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
	now     func() time.Time
	sweep   time.Time
}

type tokenBucket struct {
	tokens float64
	at     time.Time
	rate   Rate
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{buckets: map[string]*tokenBucket{}, now: now}
}

// allow takes one token from each named bucket, or none when any of them is
// empty, and reports whether the request may go ahead.
func (l *rateLimiter) allow(keys []string, rates []Rate) bool {
	ok, _ := l.allowWait(keys, rates)
	return ok
}

// allowWait is allow that also returns, for a rejected request, how long
// until every named bucket holds a token again.
func (l *rateLimiter) allowWait(keys []string, rates []Rate) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.maybeSweep(now)
	bs := make([]*tokenBucket, len(keys))
	var wait time.Duration
	empty := false
	for i, k := range keys {
		b, ok := l.buckets[k]
		if !ok {
			b = &tokenBucket{tokens: float64(rates[i].Burst), at: now, rate: rates[i]}
			l.buckets[k] = b
		}
		b.refill(now)
		if b.tokens < 1 {
			empty = true
			wait = max(wait, b.wait())
		}
		bs[i] = b
	}
	if empty {
		return false, wait
	}
	for _, b := range bs {
		b.tokens--
	}
	return true, 0
}

// waitFor returns how long until the named bucket holds a token, without
// taking one. A bucket not yet created is full.
func (l *rateLimiter) waitFor(key string, rate Rate) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return 0
	}
	b.refill(l.now())
	return b.wait()
}

// wait returns how long until the bucket holds a token, or zero when it
// holds one now. A bucket that never refills reports an hour.
func (b *tokenBucket) wait() time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	if b.rate.PerHour <= 0 {
		return time.Hour
	}
	return time.Duration((1 - b.tokens) / float64(b.rate.PerHour) * float64(time.Hour))
}

func (b *tokenBucket) refill(now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(b.rate.Burst), b.tokens+d.Hours()*float64(b.rate.PerHour))
		b.at = now
	}
}

// maybeSweep drops full buckets every minute so the map stays small.
func (l *rateLimiter) maybeSweep(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		b.refill(now)
		if b.tokens >= float64(b.rate.Burst) {
			delete(l.buckets, k)
		}
	}
}
