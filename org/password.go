package org

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"minyi/store"
)

// PasswordParams are the argon2id cost parameters of a password hash.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultPasswordParams is the cost of new hashes: 64 MiB, 2 passes, 2 lanes.
// One hash takes about 106 ms on the 2-core reference machine
// (BenchmarkPasswordHash, Go 1.26, golang.org/x/crypto v0.59.0), well under a
// second, and 64 MiB per guess makes GPU guessing expensive. Each stored hash carries
// its own parameters, so raising these later does not break old hashes.
var DefaultPasswordParams = PasswordParams{Memory: 64 * 1024, Time: 2, Threads: 2}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ErrBadPassword is returned when a password does not match its hash.
var ErrBadPassword = errors.New("org: wrong password")

// ErrNoPassword is returned when an account has no password yet.
var ErrNoPassword = errors.New("org: account has no password")

// HashPassword returns the argon2id hash of password in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
func HashPassword(password string, p PasswordParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("org: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash; it returns
// ErrBadPassword on a mismatch and another error for a malformed hash.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("org: password hash is not argon2id")
	}
	var version int
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("org: password hash has an unknown argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 1<<21 {
		return errors.New("org: password hash has bad parameters")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return errors.New("org: password hash is not valid base64")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrBadPassword
	}
	return nil
}

// SetPassword stores a new password hash for the named account.
func SetPassword(ctx context.Context, db *store.DB, name, password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return fmt.Errorf("org: password must have at least %d characters", MinPasswordLength)
	}
	hash, err := HashPassword(password, DefaultPasswordParams)
	if err != nil {
		return err
	}
	return updateAccount(ctx, db, name, "password_hash = ?", hash)
}

// Credentials are the stored secrets a sign-in checks: password hash, whether
// a TOTP secret is set (TOTPSecretOf opens it), certificate fingerprint.
type Credentials struct {
	PasswordHash string
	HasTOTP      bool
	CertSHA256   string
}

// CredentialsOf returns the stored credentials of an account.
func CredentialsOf(ctx context.Context, q store.Querier, accountID int64) (Credentials, error) {
	var c Credentials
	var pw, totp, cert sql.NullString
	err := q.QueryRowContext(ctx, `SELECT password_hash, totp_secret, cert_sha256 FROM accounts WHERE id = ?`, accountID).
		Scan(&pw, &totp, &cert)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("org: credentials of %d: %w", accountID, err)
	}
	return Credentials{PasswordHash: pw.String, HasTOTP: totp.String != "", CertSHA256: cert.String}, nil
}

// AccountByID returns one account by id.
func AccountByID(ctx context.Context, q store.Querier, id int64) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("org: account %d: %w", id, err)
	}
	return a, nil
}

// updateAccount sets one column expression on the named account.
func updateAccount(ctx context.Context, db *store.DB, name, set string, args ...any) error {
	res, err := db.ExecContext(ctx, `UPDATE accounts SET `+set+` WHERE name = ?`, append(args, name)...)
	if err != nil {
		return fmt.Errorf("org: update account %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	return nil
}
