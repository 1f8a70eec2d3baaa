package privacy

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"minyi/store"
)

// Server secrets are values that are not personal data of a ticket but must
// not be readable from a copy of the database alone: an account's TOTP secret
// and the HMAC key of API keys. The vault seals them with its primary key and
// binds each to its name, so a ciphertext copied to another account does not
// open. Rotation (RotateProgress) moves them to a new key like vault rows.

// TOTPSecretName returns the name an account's TOTP secret is sealed under.
func TOTPSecretName(accountID int64) string {
	return "totp/account/" + strconv.FormatInt(accountID, 10)
}

// AuthKeySetting is the settings row that stores the API-key HMAC key.
const AuthKeySetting = "auth_hmac_key"

// AuthKeySecretName is the name the API-key HMAC key is sealed under.
const AuthKeySecretName = "setting/" + AuthKeySetting

// sealedSettingPrefix starts a settings value that SealSetting wrote:
// "sealed:v1:<key id>:<base64 ciphertext>".
const sealedSettingPrefix = "sealed:v1:"

func secretAssociatedData(name string) []byte {
	return []byte("minyi/secret/v1\x00" + name)
}

// SealSecret encrypts a server secret with the primary key and binds it to
// name, one of TOTPSecretName or AuthKeySecretName.
func (v *Vault) SealSecret(name string, plaintext []byte) (SealedBlob, error) {
	k := v.keys.Load()
	ct, err := k.cipher.Seal(k.primary, plaintext, secretAssociatedData(name))
	if err != nil {
		return SealedBlob{}, fmt.Errorf("privacy: seal secret %s: %w", name, err)
	}
	return SealedBlob{KeyID: k.primary, Ciphertext: ct}, nil
}

// OpenSecret decrypts a secret sealed under name. It returns an error
// matching ErrDecrypt when the secret was sealed under another name or
// altered, and ErrUnknownKey when the vault lacks its key.
func (v *Vault) OpenSecret(name string, b SealedBlob) ([]byte, error) {
	plain, err := v.keys.Load().cipher.Open(b.KeyID, b.Ciphertext, secretAssociatedData(name))
	if err != nil {
		return nil, fmt.Errorf("privacy: open secret %s with key %s: %w", name, b.KeyID, err)
	}
	return plain, nil
}

// EncodeSetting returns the text form of a sealed settings value.
func EncodeSetting(b SealedBlob) string {
	return sealedSettingPrefix + b.KeyID + ":" + base64.StdEncoding.EncodeToString(b.Ciphertext)
}

// DecodeSetting parses a settings value that EncodeSetting wrote. ok is false
// for any other value, such as a key stored in clear before sealing.
func DecodeSetting(value string) (b SealedBlob, ok bool) {
	rest, found := strings.CutPrefix(value, sealedSettingPrefix)
	if !found {
		return SealedBlob{}, false
	}
	keyID, text, found := strings.Cut(rest, ":")
	if !found || keyID == "" {
		return SealedBlob{}, false
	}
	ct, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return SealedBlob{}, false
	}
	return SealedBlob{KeyID: keyID, Ciphertext: ct}, true
}

// DeriveKey returns a 256-bit key for purpose, derived with HKDF-SHA256
// (RFC 5869) from the progress key, which never rotates. Each purpose gets an
// independent key, so a server can sign cookies without a key of its own in
// the key file.
func (k *Keys) DeriveKey(purpose string) []byte {
	key, err := hkdf.Key(sha256.New, k.Progress, nil, "minyi/derived/v1\x00"+purpose, 32)
	if err != nil {
		// hkdf.Key returns an error only for a key length above 255 hash
		// sizes (RFC 5869), and 32 bytes is one SHA-256 size.
		panic(err)
	}
	return key
}

// DeriveKey returns the key that Keys.DeriveKey derives for purpose.
func (p *Protector) DeriveKey(purpose string) []byte { return p.keys.DeriveKey(purpose) }

// rotateSecretsBatch moves up to batch TOTP secrets, and the API-key HMAC
// key, to the primary key. A TOTP secret still in clear (totp_key_id NULL)
// is sealed, which migrates rows written before sealing.
func (v *Vault) rotateSecretsBatch(ctx context.Context, tx *store.Tx, batch int) (moved int, more bool, err error) {
	k := v.keys.Load()
	rows, err := tx.QueryContext(ctx, `SELECT id, totp_secret, COALESCE(totp_key_id, '') FROM accounts
WHERE totp_secret IS NOT NULL AND (totp_key_id IS NULL OR totp_key_id <> ?) ORDER BY id LIMIT ?`, k.primary, batch)
	if err != nil {
		return 0, false, fmt.Errorf("privacy: rotate totp secrets: %w", err)
	}
	type secretRow struct {
		id     int64
		stored string
		keyID  string
	}
	var todo []secretRow
	for rows.Next() {
		var r secretRow
		if err := rows.Scan(&r.id, &r.stored, &r.keyID); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("privacy: rotate totp secrets: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("privacy: rotate totp secrets: %w", err)
	}
	for _, r := range todo {
		stored, err := v.resealTOTP(r.id, r.stored, r.keyID)
		if err != nil {
			return 0, false, err
		}
		// The conditions skip a row that a new secret replaced meanwhile.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = ?
WHERE id = ? AND totp_secret = ? AND COALESCE(totp_key_id, '') = ?`, stored.text, stored.keyID, r.id, r.stored, r.keyID)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: rotate totp secret of account %d: %w", r.id, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			moved += int(n)
		}
	}
	if len(todo) < batch {
		n, err := v.rotateAuthKey(ctx, tx)
		if err != nil {
			return 0, false, err
		}
		moved += n
	}
	return moved, len(todo) > 0, nil
}

// StoredTOTP is the stored form of a sealed TOTP secret: base64 ciphertext
// in accounts.totp_secret and the key id in accounts.totp_key_id.
type StoredTOTP struct {
	text  string
	keyID string
}

// Text returns the value for accounts.totp_secret.
func (s StoredTOTP) Text() string { return s.text }

// KeyID returns the value for accounts.totp_key_id.
func (s StoredTOTP) KeyID() string { return s.keyID }

// SealTOTP seals an account's base32 TOTP secret for storage.
func (v *Vault) SealTOTP(accountID int64, secret string) (StoredTOTP, error) {
	b, err := v.SealSecret(TOTPSecretName(accountID), []byte(secret))
	if err != nil {
		return StoredTOTP{}, err
	}
	return StoredTOTP{text: base64.StdEncoding.EncodeToString(b.Ciphertext), keyID: b.KeyID}, nil
}

// OpenTOTP returns an account's base32 TOTP secret from its stored columns.
// An empty keyID marks a secret stored in clear before sealing, which it
// returns as stored.
func (v *Vault) OpenTOTP(accountID int64, text, keyID string) (string, error) {
	if keyID == "" {
		return text, nil
	}
	ct, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", fmt.Errorf("privacy: totp secret of account %d is not base64: %w", accountID, ErrDecrypt)
	}
	plain, err := v.OpenSecret(TOTPSecretName(accountID), SealedBlob{KeyID: keyID, Ciphertext: ct})
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

func (v *Vault) resealTOTP(accountID int64, text, keyID string) (StoredTOTP, error) {
	secret, err := v.OpenTOTP(accountID, text, keyID)
	if err != nil {
		return StoredTOTP{}, fmt.Errorf("privacy: rotate totp secret of account %d: %w", accountID, err)
	}
	return v.SealTOTP(accountID, secret)
}

// rotateAuthKey seals the API-key HMAC key under the primary key when it is
// in clear or under another key. It returns 1 when it moved the key.
func (v *Vault) rotateAuthKey(ctx context.Context, tx *store.Tx) (int, error) {
	var value string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, AuthKeySetting).Scan(&value)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return 0, fmt.Errorf("privacy: rotate API-key HMAC key: %w", err)
	}
	sealed, ok := DecodeSetting(value)
	if ok && sealed.KeyID == v.PrimaryKeyID() {
		return 0, nil
	}
	var plain []byte
	if ok {
		plain, err = v.OpenSecret(AuthKeySecretName, sealed)
		if err != nil {
			return 0, fmt.Errorf("privacy: rotate API-key HMAC key: %w", err)
		}
	} else {
		plain = []byte(value)
	}
	b, err := v.SealSecret(AuthKeySecretName, plain)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE key = ? AND value = ?`,
		EncodeSetting(b), AuthKeySetting, value)
	if err != nil {
		return 0, fmt.Errorf("privacy: rotate API-key HMAC key: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
