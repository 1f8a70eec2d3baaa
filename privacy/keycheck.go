package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"minyi/store"
)

// ErrKeyMismatch is returned by VerifyKeys when a key differs from the key
// the database was set up with.
var ErrKeyMismatch = errors.New("privacy: keys do not match the database")

// Names of the key check values in the key_checks table.
const (
	checkPrefixAEAD  = "aead/"
	checkBlindIndex  = "blind_index"
	checkProgressKey = "progress"
)

// keyCheckValue returns the hex HMAC-SHA256 of a fixed label under key. The
// value identifies the key without revealing it, because HMAC-SHA256 is a
// pseudorandom function of the key.
func keyCheckValue(key []byte, name string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("minyi/key-check/v1\x00" + name))
	return hex.EncodeToString(mac.Sum(nil))
}

// KeyCheckValues returns the key check value of every key in k by its name
// in the key_checks table: "aead/ID" for each AEAD key, "blind_index" and
// "progress".
func (k *Keys) KeyCheckValues() map[string]string {
	checks := map[string]string{
		checkBlindIndex:  keyCheckValue(k.BlindIndex, checkBlindIndex),
		checkProgressKey: keyCheckValue(k.Progress, checkProgressKey),
	}
	for _, a := range k.AEAD {
		checks[checkPrefixAEAD+a.ID] = keyCheckValue(a.Key, checkPrefixAEAD+a.ID)
	}
	return checks
}

// KeysInUse reports whether the database depends on personal-data keys: it
// has key check values, values sealed by the vault (personal data, voice
// recordings, TOTP secrets, the API-key HMAC key), or tickets with a blind
// index or a progress key. A new key file may be created only when it
// returns false.
func KeysInUse(ctx context.Context, q store.Querier) (bool, error) {
	var used bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM key_checks)
	OR EXISTS (SELECT 1 FROM vault)
	OR EXISTS (SELECT 1 FROM voice_recordings)
	OR EXISTS (SELECT 1 FROM accounts WHERE totp_key_id IS NOT NULL)
	OR EXISTS (SELECT 1 FROM settings WHERE key = ? AND value LIKE ?)
	OR EXISTS (SELECT 1 FROM tickets WHERE progress_key IS NOT NULL OR COALESCE(citizen_key, '') <> '')`,
		AuthKeySetting, sealedSettingPrefix+"%").Scan(&used)
	if err != nil {
		return false, fmt.Errorf("privacy: check whether the database uses keys: %w", err)
	}
	return used, nil
}

// VerifyKeys compares the keys with the key check values stored in the
// database, and stores the values of keys that have none yet. It returns an
// error matching ErrKeyMismatch when a stored value differs, or when the
// database holds values sealed under a key id that has no check value and
// the key of that id in k does not decrypt them.
//
// A key without a check value is accepted when the database holds nothing
// under it (an empty database, or a key that a rotation just added), or when
// it decrypts a sample value. The blind-index and progress keys cannot be
// tested on stored data. Without stored check values they are accepted when
// an AEAD key of the same key file decrypted a sample value, or when no
// sealed value exists at all.
// NOTE: a database from before key checks that holds blind indexes or
// progress keys but no sealed value (all of it purged) therefore accepts any
// key file.
func VerifyKeys(ctx context.Context, db *store.DB, k *Keys) error {
	want := k.KeyCheckValues()
	stored, err := readKeyChecks(ctx, db)
	if err != nil {
		return err
	}
	if err := compareKeyChecks(want, stored); err != nil {
		return err
	}
	missing := missingKeyChecks(want, stored)
	if len(missing) == 0 {
		return nil
	}
	if err := proveUncheckedKeys(ctx, db, k, stored, missing); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, name := range missing {
		_, err := db.ExecContext(ctx, `INSERT INTO key_checks (name, check_value, created_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO NOTHING`, name, want[name], now)
		if err != nil {
			return fmt.Errorf("privacy: store key check value %s: %w", name, err)
		}
	}
	// Another process may have stored its own values since the first read.
	stored, err = readKeyChecks(ctx, db)
	if err != nil {
		return err
	}
	return compareKeyChecks(want, stored)
}

func readKeyChecks(ctx context.Context, q store.Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, check_value FROM key_checks`)
	if err != nil {
		return nil, fmt.Errorf("privacy: read key check values: %w", err)
	}
	defer rows.Close()
	stored := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("privacy: read key check values: %w", err)
		}
		stored[name] = value
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy: read key check values: %w", err)
	}
	return stored, nil
}

// compareKeyChecks returns an error naming every key whose stored check
// value differs from want.
func compareKeyChecks(want, stored map[string]string) error {
	var differ []string
	for name, value := range want {
		if s, ok := stored[name]; ok && !hmac.Equal([]byte(s), []byte(value)) {
			differ = append(differ, keyDisplayName(name))
		}
	}
	if len(differ) == 0 {
		return nil
	}
	sort.Strings(differ)
	return fmt.Errorf("%w: the database was set up with another %s", ErrKeyMismatch, joinNames(differ))
}

func missingKeyChecks(want, stored map[string]string) []string {
	var missing []string
	for name := range want {
		if _, ok := stored[name]; !ok {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return missing
}

// proveUncheckedKeys decrypts a sample value under each AEAD key in missing
// that seals stored values. It accepts the blind-index and progress keys in
// missing only from a key file that one of its AEAD keys has proved.
func proveUncheckedKeys(ctx context.Context, db *store.DB, k *Keys, stored map[string]string, missing []string) error {
	v, err := NewVault(k)
	if err != nil {
		return err
	}
	// An AEAD key whose check value matched, or that opened a sample value,
	// shows that this key file is the one the database was set up with.
	proved := false
	for _, a := range k.AEAD {
		if _, ok := stored[checkPrefixAEAD+a.ID]; ok {
			proved = true
		}
	}

	var hashKeys []string
	for _, name := range missing {
		id, isAEAD := strings.CutPrefix(name, checkPrefixAEAD)
		if !isAEAD {
			hashKeys = append(hashKeys, name)
			continue
		}
		found, err := v.openSample(ctx, db, id)
		if err != nil {
			return err
		}
		if found {
			proved = true
		}
	}

	if len(hashKeys) == 0 || proved {
		return nil
	}
	// No AEAD key of this file seals a stored value, so the blind-index and
	// progress keys are accepted only if no other key seals one either.
	found, err := anySealedValue(ctx, db)
	if err != nil || !found {
		return err
	}
	return fmt.Errorf("%w: the database holds values sealed under keys that are not in this key file, "+
		"so its %s cannot be checked", ErrKeyMismatch, joinNames(displayNames(hashKeys)))
}

// openSample decrypts one stored value sealed under keyID, if there is one,
// and reports whether it found one. It returns an error matching
// ErrKeyMismatch when the value does not decrypt.
func (v *Vault) openSample(ctx context.Context, q store.Querier, keyID string) (bool, error) {
	var ticketID int64
	var field string
	var ct []byte
	err := q.QueryRowContext(ctx, `SELECT ticket_id, field, ciphertext FROM vault WHERE key_id = ?
ORDER BY ticket_id, field LIMIT 1`, keyID).Scan(&ticketID, &field, &ct)
	if err == nil {
		_, err := v.keys.Load().cipher.Open(keyID, ct, associatedData(ticketID, field))
		return true, sampleError(keyID, "a vault value", err)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("privacy: read a sample value of key %s: %w", keyID, err)
	}

	var accountID int64
	var text string
	err = q.QueryRowContext(ctx, `SELECT id, totp_secret FROM accounts WHERE totp_key_id = ? ORDER BY id LIMIT 1`,
		keyID).Scan(&accountID, &text)
	if err == nil {
		_, err := v.OpenTOTP(accountID, text, keyID)
		return true, sampleError(keyID, "a TOTP secret", err)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("privacy: read a sample value of key %s: %w", keyID, err)
	}

	var blob SealedBlob
	var owner BlobOwner
	var formKey string
	err = q.QueryRowContext(ctx, `SELECT form_key, COALESCE(ticket_id, 0), key_id, ciphertext FROM voice_recordings
WHERE key_id = ? ORDER BY id LIMIT 1`, keyID).Scan(&formKey, &owner.TicketID, &blob.KeyID, &blob.Ciphertext)
	if err == nil {
		owner.Kind = BlobKindVoice
		if owner.TicketID == 0 {
			owner.FormKey = formKey
		}
		_, err := v.OpenBlob(owner, blob)
		return true, sampleError(keyID, "a voice recording", err)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("privacy: read a sample value of key %s: %w", keyID, err)
	}

	err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, AuthKeySetting).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("privacy: read a sample value of key %s: %w", keyID, err)
	}
	if b, ok := DecodeSetting(text); ok && b.KeyID == keyID {
		_, err := v.OpenSecret(AuthKeySecretName, b)
		return true, sampleError(keyID, "the API-key HMAC key", err)
	}
	return false, nil
}

func sampleError(keyID, valueName string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s sealed under key id %s does not decrypt with the key of that id (%v)",
		ErrKeyMismatch, valueName, keyID, err)
}

// anySealedValue reports whether the database holds any value sealed by the
// vault, under any key.
func anySealedValue(ctx context.Context, q store.Querier) (bool, error) {
	var found bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM vault)
	OR EXISTS (SELECT 1 FROM voice_recordings)
	OR EXISTS (SELECT 1 FROM accounts WHERE totp_key_id IS NOT NULL)
	OR EXISTS (SELECT 1 FROM settings WHERE key = ? AND value LIKE ?)`,
		AuthKeySetting, sealedSettingPrefix+"%").Scan(&found)
	if err != nil {
		return false, fmt.Errorf("privacy: look for sealed values: %w", err)
	}
	return found, nil
}

// keyDisplayName returns how an error names the key of a key check value.
func keyDisplayName(name string) string {
	if id, ok := strings.CutPrefix(name, checkPrefixAEAD); ok {
		return "AEAD key " + id
	}
	return name + " key"
}

func displayNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = keyDisplayName(n)
	}
	return out
}

func joinNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
