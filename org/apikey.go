package org

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"minyi/privacy"
	"minyi/store"
)

// APIKey is a per-client key for a channel platform or a script. It acts as
// its account, limited to its scopes.
type APIKey struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Account   string    `json:"account"`
	Label     string    `json:"label"`
	Prefix    string    `json:"prefix"` // the first characters of the key, to tell keys apart
	Scopes    []string  `json:"scopes"` // permissions, or "*" for all of the account's role
	Created   time.Time `json:"created"`
	Revoked   time.Time `json:"revoked,omitzero"`
}

// Allows reports whether the key's scopes include permission p.
func (k APIKey) Allows(p string) bool {
	for _, s := range k.Scopes {
		if s == "*" || s == p {
			return true
		}
	}
	return false
}

// apiKeyPrefix starts every key, so secret scanners and people recognise one.
const apiKeyPrefix = "myk_"

// AuthKey returns the server's HMAC key for API keys, creating it on first
// use. The settings row holds it sealed by the vault, so a copy of the
// database without the key file cannot check or forge API-key hashes. A key
// stored in clear by an older version is sealed in place, which keeps every
// issued API key valid.
func AuthKey(ctx context.Context, db *store.DB, vault *privacy.Vault) ([]byte, error) {
	if vault == nil {
		return nil, ErrNoVault
	}
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, privacy.AuthKeySetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("org: auth key: %w", err)
		}
		sealed, sealErr := vault.SealSecret(privacy.AuthKeySecretName, []byte(hex.EncodeToString(b)))
		if sealErr != nil {
			return nil, sealErr
		}
		_, err = db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			privacy.AuthKeySetting, privacy.EncodeSetting(sealed))
		if err != nil {
			return nil, fmt.Errorf("org: store auth key: %w", err)
		}
		err = db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, privacy.AuthKeySetting).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("org: auth key: %w", err)
	}
	text := v
	if sealed, ok := privacy.DecodeSetting(v); ok {
		plain, err := vault.OpenSecret(privacy.AuthKeySecretName, sealed)
		if err != nil {
			return nil, fmt.Errorf("org: auth key: %w", err)
		}
		text = string(plain)
	} else if err := sealClearAuthKey(ctx, db, vault, v); err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(text)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("org: auth key in settings is malformed")
	}
	return key, nil
}

// sealClearAuthKey replaces an API-key HMAC key stored in clear by its sealed
// form, unless another process sealed it meanwhile.
func sealClearAuthKey(ctx context.Context, db *store.DB, vault *privacy.Vault, clear string) error {
	if _, err := hex.DecodeString(clear); err != nil || len(clear) < 64 {
		return fmt.Errorf("org: auth key in settings is malformed")
	}
	sealed, err := vault.SealSecret(privacy.AuthKeySecretName, []byte(clear))
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE settings SET value = ? WHERE key = ? AND value = ?`,
		privacy.EncodeSetting(sealed), privacy.AuthKeySetting, clear)
	if err != nil {
		return fmt.Errorf("org: seal auth key: %w", err)
	}
	return nil
}

func keyHash(authKey []byte, key string) string {
	m := hmac.New(sha256.New, authKey)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// CreateAPIKey issues a key for the named account with the given scopes and
// returns the key; only its keyed hash is stored, so it is shown once.
func CreateAPIKey(ctx context.Context, db *store.DB, authKey []byte, account, label string, scopes []string) (string, APIKey, error) {
	if len(scopes) == 0 {
		return "", APIKey{}, errors.New("org: an API key needs at least one scope (or *)")
	}
	a, err := AccountByName(ctx, db, account)
	if err != nil {
		return "", APIKey{}, err
	}
	secret, err := randomToken(32)
	if err != nil {
		return "", APIKey{}, err
	}
	key := apiKeyPrefix + secret
	k := APIKey{AccountID: a.ID, Account: a.Name, Label: label, Prefix: key[:len(apiKeyPrefix)+6],
		Scopes: scopes, Created: time.Now().UTC()}
	k.ID, err = store.InsertID(ctx, db, `INSERT INTO api_keys (account_id, label, prefix, key_hash, scopes, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.ID, label, k.Prefix, keyHash(authKey, key), strings.Join(scopes, " "),
		k.Created.UnixMilli())
	if err != nil {
		return "", APIKey{}, fmt.Errorf("org: create API key for %q: %w", account, err)
	}
	return key, k, nil
}

// AccountByAPIKey returns the enabled account and the unrevoked key that key
// names, or ErrNotFound. One HMAC and one indexed lookup per request.
func AccountByAPIKey(ctx context.Context, q store.Querier, authKey []byte, key string) (Account, APIKey, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return Account{}, APIKey{}, ErrNotFound
	}
	var k APIKey
	var a Account
	var scopes string
	var disabled int
	var created int64
	err := q.QueryRowContext(ctx, `SELECT k.id, k.label, k.prefix, k.scopes, k.created_at,
			a.id, a.name, a.display_name, a.role, a.unit_id, u.path, a.disabled
		FROM api_keys k JOIN accounts a ON a.id = k.account_id JOIN units u ON u.id = a.unit_id
		WHERE k.key_hash = ? AND k.revoked_at IS NULL`, keyHash(authKey, key)).
		Scan(&k.ID, &k.Label, &k.Prefix, &scopes, &created, &a.ID, &a.Name, &a.DisplayName, &a.Role, &a.UnitID,
			&a.UnitPath, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled != 0) {
		return Account{}, APIKey{}, ErrNotFound
	}
	if err != nil {
		return Account{}, APIKey{}, fmt.Errorf("org: API key lookup: %w", err)
	}
	k.AccountID, k.Account = a.ID, a.Name
	k.Scopes, k.Created = strings.Fields(scopes), time.UnixMilli(created).UTC()
	return a, k, nil
}

// RevokeAPIKey revokes the key with id; a revoked key stops working at once.
func RevokeAPIKey(ctx context.Context, db *store.DB, id int64, now time.Time) error {
	res, err := db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("org: revoke API key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("API key %d: %w", id, ErrNotFound)
	}
	return nil
}

// APIKeys lists every key, revoked ones included.
func APIKeys(ctx context.Context, q store.Querier) ([]APIKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT k.id, k.account_id, a.name, k.label, k.prefix, k.scopes, k.created_at, k.revoked_at
		FROM api_keys k JOIN accounts a ON a.id = k.account_id ORDER BY k.id`)
	if err != nil {
		return nil, fmt.Errorf("org: API keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var scopes string
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.AccountID, &k.Account, &k.Label, &k.Prefix, &scopes, &created, &revoked); err != nil {
			return nil, fmt.Errorf("org: API keys: %w", err)
		}
		k.Scopes, k.Created, k.Revoked = strings.Fields(scopes), time.UnixMilli(created).UTC(), store.Time(revoked)
		out = append(out, k)
	}
	return out, rows.Err()
}
