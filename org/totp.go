package org

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"minyi/privacy"
	"minyi/store"
)

// TOTP follows RFC 6238 with the parameters every authenticator app accepts:
// HMAC-SHA1, 6 digits, a 30-second step.
const (
	TOTPDigits = 6
	TOTPPeriod = 30 * time.Second
	// totpSkew is how many steps before and after the current one are accepted,
	// for clocks that drift.
	totpSkew = 1
)

// ErrBadCode is returned for a wrong or already used TOTP code.
var ErrBadCode = errors.New("org: wrong or used code")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret in base32.
func NewTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("org: totp secret: %w", err)
	}
	return b32.EncodeToString(b), nil
}

// TOTPStep returns the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode returns the code of secret at time step step.
func TOTPCode(secret string, step int64) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("org: totp secret is not base32: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", TOTPDigits, v%1_000_000), nil
}

// MatchTOTP returns the time step near now whose code is code.
func MatchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	found, step := 0, int64(0)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := TOTPCode(secret, s)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && found == 0 {
			found, step = 1, s
		}
	}
	return step, found == 1
}

// TOTPURL returns the otpauth:// URL an authenticator app reads from a QR code.
func TOTPURL(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(TOTPDigits))
	v.Set("period", fmt.Sprint(int(TOTPPeriod/time.Second)))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// ErrNoVault is returned when an operation on a sealed secret gets no vault.
var ErrNoVault = errors.New("org: no key vault: TOTP secrets and the API-key HMAC key need the personal-data keys")

// SetTOTPSecret seals secret with the vault's primary key, stores it as the
// account's TOTP secret and clears the last used step. An empty secret
// removes TOTP from the account.
func SetTOTPSecret(ctx context.Context, db *store.DB, vault *privacy.Vault, name, secret string) error {
	if secret == "" {
		return updateAccount(ctx, db, name, "totp_secret = NULL, totp_key_id = NULL, totp_last_step = 0")
	}
	if vault == nil {
		return ErrNoVault
	}
	var id int64
	err := db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("org: set totp secret of %q: %w", name, err)
	}
	stored, err := vault.SealTOTP(id, secret)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = ?, totp_last_step = 0 WHERE id = ?`,
		stored.Text(), stored.KeyID(), id)
	if err != nil {
		return fmt.Errorf("org: set totp secret of %q: %w", name, err)
	}
	return nil
}

// TOTPSecretOf returns the account's base32 TOTP secret, or "" when it has
// none. A secret stored in clear before sealing is sealed on the way.
func TOTPSecretOf(ctx context.Context, db *store.DB, vault *privacy.Vault, accountID int64) (string, error) {
	if vault == nil {
		return "", ErrNoVault
	}
	var text, keyID sql.NullString
	err := db.QueryRowContext(ctx, `SELECT totp_secret, totp_key_id FROM accounts WHERE id = ?`, accountID).
		Scan(&text, &keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("org: totp secret of %d: %w", accountID, err)
	}
	if !text.Valid || text.String == "" {
		return "", nil
	}
	secret, err := vault.OpenTOTP(accountID, text.String, keyID.String)
	if err != nil {
		return "", fmt.Errorf("org: totp secret of %d: %w", accountID, err)
	}
	if !keyID.Valid {
		if err := sealClearTOTP(ctx, db, vault, accountID, text.String); err != nil {
			return "", err
		}
	}
	return secret, nil
}

// sealClearTOTP replaces a TOTP secret stored in clear by its sealed form,
// unless a new secret replaced it meanwhile.
func sealClearTOTP(ctx context.Context, db *store.DB, vault *privacy.Vault, accountID int64, clear string) error {
	stored, err := vault.SealTOTP(accountID, clear)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = ?
		WHERE id = ? AND totp_key_id IS NULL AND totp_secret = ?`, stored.Text(), stored.KeyID(), accountID, clear)
	if err != nil {
		return fmt.Errorf("org: seal totp secret of %d: %w", accountID, err)
	}
	return nil
}

// VerifyTOTP checks code against the account's secret at now and consumes its
// time step, so each code signs in once: a replay, or an older code after a
// newer one, returns ErrBadCode. The check and the update are one statement,
// so two processes cannot both accept the same code.
func VerifyTOTP(ctx context.Context, db *store.DB, vault *privacy.Vault, accountID int64, code string, now time.Time) error {
	secret, err := TOTPSecretOf(ctx, db, vault, accountID)
	if err != nil {
		return err
	}
	if secret == "" {
		return ErrBadCode
	}
	step, ok := MatchTOTP(secret, code, now)
	if !ok {
		return ErrBadCode
	}
	res, err := db.ExecContext(ctx, `UPDATE accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`,
		step, accountID, step)
	if err != nil {
		return fmt.Errorf("org: consume totp step: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrBadCode
	}
	return nil
}

// SetCertFingerprint maps a client certificate (its SHA-256 fingerprint in
// hex) to the account as an alternative second factor; empty removes it.
func SetCertFingerprint(ctx context.Context, db *store.DB, name, sha256Hex string) error {
	var v any
	if sha256Hex != "" {
		v = strings.ToLower(strings.ReplaceAll(sha256Hex, ":", ""))
	}
	return updateAccount(ctx, db, name, "cert_sha256 = ?", v)
}

// ResetSecondFactor removes the account's TOTP secret and client certificate
// and ends its sessions; the caller sets a new secret.
func ResetSecondFactor(ctx context.Context, db *store.DB, name string) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET totp_secret = NULL, totp_key_id = NULL, totp_last_step = 0, cert_sha256 = NULL
			WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("org: reset 2fa of %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("account %q: %w", name, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE account_id = (SELECT id FROM accounts WHERE name = ?)`, name)
		if err != nil {
			return fmt.Errorf("org: end sessions of %q: %w", name, err)
		}
		return nil
	})
}
