package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"minyi/store"
)

// Throttle is the policy for failed sign-in attempts under one key, an
// account or a client address. The first Free failures cost nothing. Each
// further failure doubles the wait before the next attempt, from BaseDelay up
// to MaxDelay. LockAfter failures lock the key for LockFor. Failures older
// than Window no longer count.
type Throttle struct {
	Free      int
	BaseDelay time.Duration
	MaxDelay  time.Duration
	LockAfter int
	LockFor   time.Duration
	Window    time.Duration
}

// AccountThrottle and AddressThrottle are the default policies. An address
// gets more room because several staff may sit behind one gateway.
var (
	AccountThrottle = Throttle{Free: 3, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
		LockAfter: 10, LockFor: 15 * time.Minute, Window: time.Hour}
	AddressThrottle = Throttle{Free: 10, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
		LockAfter: 50, LockFor: 15 * time.Minute, Window: time.Hour}
)

// ErrThrottled is returned when a key must wait or is locked.
type ErrThrottled struct {
	Until  time.Time
	Locked bool // true for a lockout, false for a growing delay
}

func (e *ErrThrottled) Error() string {
	if e.Locked {
		return "org: locked after repeated failed sign-ins until " + e.Until.Format(time.RFC3339)
	}
	return "org: too many failed sign-ins; wait until " + e.Until.Format(time.RFC3339)
}

// delay returns the wait that follows the n-th failure.
func (p Throttle) delay(n int) time.Duration {
	if n <= p.Free {
		return 0
	}
	d := p.BaseDelay
	for i := p.Free + 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// CheckThrottle returns *ErrThrottled when key may not try again at now.
func CheckThrottle(ctx context.Context, q store.Querier, p Throttle, key string, now time.Time) error {
	var failures int
	var last, locked int64
	err := q.QueryRowContext(ctx, `SELECT failures, last_at, locked_until FROM auth_failures WHERE key = ?`, key).
		Scan(&failures, &last, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("org: throttle lookup: %w", err)
	}
	if until := time.UnixMilli(locked); now.Before(until) {
		return &ErrThrottled{Until: until, Locked: true}
	}
	lastAt := time.UnixMilli(last)
	if now.Sub(lastAt) > p.Window {
		return nil
	}
	if until := lastAt.Add(p.delay(failures)); now.Before(until) {
		return &ErrThrottled{Until: until}
	}
	return nil
}

// RecordFailure counts a failed attempt under key at now. The increment is
// one statement, so concurrent processes do not lose failures. q may be a
// transaction, so that the failure's audit record commits with it.
func RecordFailure(ctx context.Context, q store.Querier, p Throttle, key string, now time.Time) error {
	ms, windowStart := now.UnixMilli(), now.Add(-p.Window).UnixMilli()
	var failures int
	err := q.QueryRowContext(ctx, `INSERT INTO auth_failures (key, failures, last_at, locked_until) VALUES (?, 1, ?, 0)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN auth_failures.last_at < ? AND auth_failures.locked_until < ? THEN 1
				ELSE auth_failures.failures + 1 END,
			last_at = excluded.last_at
		RETURNING failures`, key, ms, windowStart, ms).Scan(&failures)
	if err != nil {
		return fmt.Errorf("org: record failure: %w", err)
	}
	if failures >= p.LockAfter {
		_, err = q.ExecContext(ctx, `UPDATE auth_failures SET locked_until = ?, failures = 0 WHERE key = ?`,
			now.Add(p.LockFor).UnixMilli(), key)
		if err != nil {
			return fmt.Errorf("org: lock %s: %w", key, err)
		}
	}
	return nil
}

// ClearFailures forgets the failures under key after a successful sign-in.
// A lockout in force stays.
func ClearFailures(ctx context.Context, db *store.DB, key string, now time.Time) error {
	_, err := db.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = ? AND locked_until < ?`, key, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("org: clear failures: %w", err)
	}
	return nil
}
