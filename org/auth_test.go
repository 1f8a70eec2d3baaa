package org_test

import (
	"context"
	"encoding/base32"
	"errors"
	"testing"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
)

func TestTOTPCodeRFC6238(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	// RFC 6238 appendix B, SHA-1 column, last six digits.
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := org.TOTPCode(secret, org.TOTPStep(time.Unix(c.unix, 0)))
		if err != nil || got != c.want {
			t.Errorf("T=%d: got %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	cheap := org.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	h, err := org.HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hash, password string
		want                 error
	}{
		{"right", h, "correct horse", nil},
		{"wrong", h, "correct horsf", org.ErrBadPassword},
		{"empty", h, "", org.ErrBadPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := org.CheckPassword(tc.hash, tc.password); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if err := org.CheckPassword("$2a$10$notargon", "x"); err == nil || errors.Is(err, org.ErrBadPassword) {
		t.Fatalf("malformed hash: %v", err)
	}
	h2, _ := org.HashPassword("correct horse", cheap)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// BenchmarkPasswordHash measures one hash at the default parameters.
func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if _, err := org.HashPassword("correct horse battery", org.DefaultPasswordParams); err != nil {
			b.Fatal(err)
		}
	}
}

func seed(t *testing.T, db *store.DB) {
	t.Helper()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(context.Background(), db, p); err != nil {
		t.Fatal(err)
	}
}

func TestTOTPUsedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		keys, _ := privacy.GenerateKeys()
		vault, err := privacy.NewVault(keys)
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, vault, "dongguan", secret); err != nil {
			t.Fatal(err)
		}
		acct, _ := org.AccountByName(ctx, db, "dongguan")
		now := time.Date(2026, 5, 1, 9, 0, 10, 0, time.UTC)
		code := func(at time.Time) string {
			c, _ := org.TOTPCode(secret, org.TOTPStep(at))
			return c
		}
		steps := []struct {
			name string
			code string
			at   time.Time
			ok   bool
		}{
			{"fresh code", code(now), now, true},
			{"replayed", code(now), now.Add(5 * time.Second), false},
			{"previous step after a newer one", code(now.Add(-30 * time.Second)), now, false},
			{"next step", code(now.Add(30 * time.Second)), now.Add(30 * time.Second), true},
			{"far future code", code(now.Add(10 * time.Minute)), now.Add(40 * time.Second), false},
			{"malformed", "12ab56", now.Add(90 * time.Second), false},
		}
		for _, s := range steps {
			err := org.VerifyTOTP(ctx, db, vault, acct.ID, s.code, s.at)
			if s.ok != (err == nil) || (err != nil && !errors.Is(err, org.ErrBadCode)) {
				t.Errorf("%s: err = %v, want ok=%v", s.name, err, s.ok)
			}
		}
	})
}

func TestThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := org.Throttle{Free: 2, BaseDelay: time.Second, MaxDelay: 4 * time.Second, LockAfter: 6,
			LockFor: time.Minute, Window: time.Hour}
		now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		fail := func() {
			t.Helper()
			if err := org.RecordFailure(ctx, db, p, "account:x", now); err != nil {
				t.Fatal(err)
			}
		}
		wait := func() (time.Duration, bool) {
			t.Helper()
			err := org.CheckThrottle(ctx, db, p, "account:x", now)
			var te *org.ErrThrottled
			if err == nil {
				return 0, false
			}
			if !errors.As(err, &te) {
				t.Fatal(err)
			}
			return te.Until.Sub(now), te.Locked
		}
		// failures 1 and 2 are free; then 1 s, 2 s, 4 s (capped); the 6th locks.
		want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second}
		for i, w := range want {
			fail()
			got, locked := wait()
			if got != w || locked {
				t.Fatalf("after failure %d: wait %v locked %v, want %v", i+1, got, locked, w)
			}
			now = now.Add(got)
		}
		fail()
		if got, locked := wait(); !locked || got != time.Minute {
			t.Fatalf("after failure 6: wait %v locked %v, want a 1m lock", got, locked)
		}
		if err := org.ClearFailures(ctx, db, "account:x", now); err != nil {
			t.Fatal(err)
		}
		if _, locked := wait(); !locked {
			t.Fatal("a success cleared a lock in force")
		}
		now = now.Add(time.Minute + time.Second)
		if got, locked := wait(); got != 0 || locked {
			t.Fatalf("after the lock: wait %v locked %v", got, locked)
		}
	})
}
