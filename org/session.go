package org

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"minyi/store"
)

// Session is a signed-in staff session. It exists only after both factors.
type Session struct {
	Account  Account
	CSRF     string
	Method   string // second factor used: "totp" or "cert"
	Created  time.Time
	LastSeen time.Time
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("org: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sha256Hex hashes a random identifier for storage. The identifiers carry 256
// bits of entropy, so a plain hash suffices: a stolen table gives no cookie.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for the account and returns its cookie value.
// q may be a transaction, so that the sign-in's audit record commits with it.
func CreateSession(ctx context.Context, q store.Querier, accountID int64, method string, now time.Time) (string, error) {
	id, err := randomToken(32)
	if err != nil {
		return "", err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return "", err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO auth_sessions (id_hash, account_id, csrf, method, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`, sha256Hex(id), accountID, csrf, method, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("org: create session: %w", err)
	}
	return id, nil
}

// SessionByID returns the session of cookie value id with its enabled account.
// It returns ErrNotFound for an unknown id or a disabled account; time-outs
// are the caller's policy.
func SessionByID(ctx context.Context, q store.Querier, id string) (Session, error) {
	if id == "" {
		return Session{}, ErrNotFound
	}
	var s Session
	var disabled int
	var created, seen int64
	err := q.QueryRowContext(ctx, `SELECT a.id, a.name, a.display_name, a.role, a.unit_id, u.path, a.disabled,
			s.csrf, s.method, s.created_at, s.last_seen_at
		FROM auth_sessions s JOIN accounts a ON a.id = s.account_id JOIN units u ON u.id = a.unit_id
		WHERE s.id_hash = ?`, sha256Hex(id)).
		Scan(&s.Account.ID, &s.Account.Name, &s.Account.DisplayName, &s.Account.Role, &s.Account.UnitID,
			&s.Account.UnitPath, &disabled, &s.CSRF, &s.Method, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled != 0) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("org: session lookup: %w", err)
	}
	s.Created, s.LastSeen = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC()
	return s, nil
}

// TouchSession records activity on the session at now.
func TouchSession(ctx context.Context, db *store.DB, id string, now time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE auth_sessions SET last_seen_at = ? WHERE id_hash = ?`, now.UnixMilli(), sha256Hex(id))
	if err != nil {
		return fmt.Errorf("org: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends the session of cookie value id on the server. q may be
// a transaction, so that the sign-out's audit record commits with it.
func DeleteSession(ctx context.Context, q store.Querier, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM auth_sessions WHERE id_hash = ?`, sha256Hex(id)); err != nil {
		return fmt.Errorf("org: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredAuth removes sessions idle since idleBefore or created before
// createdBefore, and challenges created before challengeBefore.
func DeleteExpiredAuth(ctx context.Context, db *store.DB, idleBefore, createdBefore, challengeBefore time.Time) error {
	_, err := db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE last_seen_at < ? OR created_at < ?`,
		idleBefore.UnixMilli(), createdBefore.UnixMilli())
	if err == nil {
		_, err = db.ExecContext(ctx, `DELETE FROM auth_challenges WHERE created_at < ?`, challengeBefore.UnixMilli())
	}
	if err != nil {
		return fmt.Errorf("org: delete expired sessions: %w", err)
	}
	return nil
}

// CreateChallenge records that the account's password was right and returns
// the value of the cookie that carries the sign-in to its second factor.
func CreateChallenge(ctx context.Context, db *store.DB, accountID int64, now time.Time) (string, error) {
	id, err := randomToken(32)
	if err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO auth_challenges (id_hash, account_id, created_at) VALUES (?, ?, ?)`,
		sha256Hex(id), accountID, now.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("org: create challenge: %w", err)
	}
	return id, nil
}

// ChallengeAccount returns the account of a challenge created at or after notBefore.
func ChallengeAccount(ctx context.Context, q store.Querier, id string, notBefore time.Time) (Account, error) {
	if id == "" {
		return Account{}, ErrNotFound
	}
	var accountID int64
	err := q.QueryRowContext(ctx, `SELECT account_id FROM auth_challenges WHERE id_hash = ? AND created_at >= ?`,
		sha256Hex(id), notBefore.UnixMilli()).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("org: challenge lookup: %w", err)
	}
	a, err := AccountByID(ctx, q, accountID)
	if err == nil && a.Disabled {
		return Account{}, ErrNotFound
	}
	return a, err
}

// DeleteChallenge removes a challenge once it is used or abandoned.
func DeleteChallenge(ctx context.Context, db *store.DB, id string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM auth_challenges WHERE id_hash = ?`, sha256Hex(id)); err != nil {
		return fmt.Errorf("org: delete challenge: %w", err)
	}
	return nil
}
