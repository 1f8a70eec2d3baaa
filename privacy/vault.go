package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"minyi/store"
)

// ErrNotFound is returned by Vault.Get when the ticket has no value for the
// field. It matches store.ErrNotFound too.
var ErrNotFound = fmt.Errorf("privacy: vault value %w", store.ErrNotFound)

// The vault fields.
const (
	FieldPhone    = "phone"     // normalised as by NormalizePhone
	FieldName     = "name"      // the citizen's name
	FieldIDNumber = "id_number" // the citizen ID number
	FieldAddress  = "address"   // the citizen's address
)

var vaultFields = map[string]bool{FieldPhone: true, FieldName: true, FieldIDNumber: true, FieldAddress: true}

// Vault stores personal data encrypted, one value per ticket and field.
// Its keys can be replaced while it is in use (SetKeys), so a running
// process picks up a rotated key file without a restart.
type Vault struct {
	keys atomic.Pointer[vaultKeys]
	now  func() time.Time
}

// vaultKeys is the cipher and the primary key id, swapped as one.
type vaultKeys struct {
	cipher  Cipher
	primary string
}

// NewVault returns a vault that encrypts with AES-256-GCM under keys, writing
// with the primary key and reading with any key in keys.
func NewVault(keys *Keys) (*Vault, error) {
	c, err := NewAESGCM(keys)
	if err != nil {
		return nil, err
	}
	return NewVaultCipher(c, keys.Primary), nil
}

// NewVaultCipher returns a vault over another Cipher, such as an SM4
// implementation, writing with the key primaryKeyID.
func NewVaultCipher(c Cipher, primaryKeyID string) *Vault {
	v := &Vault{now: time.Now}
	v.keys.Store(&vaultKeys{cipher: c, primary: primaryKeyID})
	return v
}

// SetKeys replaces the vault's keys, as when a running process loads a key
// file that a rotation changed. Values sealed under a key missing from keys
// no longer decrypt, so a rotation only ever adds keys until every row has
// moved.
func (v *Vault) SetKeys(keys *Keys) error {
	c, err := NewAESGCM(keys)
	if err != nil {
		return err
	}
	v.keys.Store(&vaultKeys{cipher: c, primary: keys.Primary})
	return nil
}

// PrimaryKeyID returns the id of the key new values are sealed with.
func (v *Vault) PrimaryKeyID() string { return v.keys.Load().primary }

// associatedData binds a ciphertext to its row and field.
func associatedData(ticketID int64, field string) []byte {
	return []byte("minyi/vault/v1\x00" + strconv.FormatInt(ticketID, 10) + "\x00" + field)
}

// Put encrypts value and stores it as the ticket's field, replacing any
// earlier value. field is one of "phone", "name", "id_number" and "address".
// Store phone numbers in NormalizePhone's form so that the relay can dial them.
func (v *Vault) Put(ctx context.Context, q store.Querier, ticketID int64, field string, value string) error {
	if !vaultFields[field] {
		return fmt.Errorf("privacy: vault: unknown field %q", field)
	}
	k := v.keys.Load()
	ct, err := k.cipher.Seal(k.primary, []byte(value), associatedData(ticketID, field))
	if err != nil {
		return fmt.Errorf("privacy: vault: seal ticket %d %s: %w", ticketID, field, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO vault (ticket_id, field, key_id, ciphertext, created_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (ticket_id, field) DO UPDATE SET key_id = excluded.key_id, ciphertext = excluded.ciphertext,
created_at = excluded.created_at`, ticketID, field, k.primary, ct, v.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("privacy: vault: put ticket %d %s: %w", ticketID, field, err)
	}
	return nil
}

// Get decrypts and returns the ticket's field. It returns an error matching
// ErrNotFound when there is none, and ErrDecrypt when the stored value does
// not authenticate.
//
// Only the contact relay (Relay.Call and Relay.Message) and Protector.PhoneHint
// may call Get. The relay hands the number to the provider alone, and
// PhoneHint returns only its first and last digits, so no page, export or log
// can show a whole number.
func (v *Vault) Get(ctx context.Context, q store.Querier, ticketID int64, field string) (string, error) {
	var keyID string
	var ct []byte
	err := q.QueryRowContext(ctx, `SELECT key_id, ciphertext FROM vault WHERE ticket_id = ? AND field = ?`,
		ticketID, field).Scan(&keyID, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("privacy: vault: ticket %d %s: %w", ticketID, field, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("privacy: vault: get ticket %d %s: %w", ticketID, field, err)
	}
	plain, err := v.keys.Load().cipher.Open(keyID, ct, associatedData(ticketID, field))
	if err != nil {
		return "", fmt.Errorf("privacy: vault: open ticket %d %s with key %s: %w", ticketID, field, keyID, err)
	}
	return string(plain), nil
}

// Shred deletes every vault value of the ticket, which makes its personal
// data unrecoverable while the masked ticket stays. On SQLite it first turns
// on secure_delete for the connection, so the freed pages are zeroed rather
// than left in the file.
//
// NOTE: on PostgreSQL the deleted tuples remain in the table file until
// VACUUM reclaims them; a retention job should run VACUUM on vault after
// shredding.
func (v *Vault) Shred(ctx context.Context, q store.Querier, ticketID int64) error {
	if q.DialectName() == store.SQLite {
		if _, err := q.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return fmt.Errorf("privacy: vault: shred ticket %d: %w", ticketID, err)
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM vault WHERE ticket_id = ?`, ticketID); err != nil {
		return fmt.Errorf("privacy: vault: shred ticket %d: %w", ticketID, err)
	}
	return nil
}

// vaultRow is a stored value awaiting re-encryption.
type vaultRow struct {
	ticketID int64
	field    string
	keyID    string
	ct       []byte
}

// Rotate re-encrypts every value not sealed under the primary key, batch
// rows per transaction, and returns how many it moved. It runs beside normal
// traffic. Each row is updated only if no Put replaced it meanwhile, and
// readers get the old or the new ciphertext, both readable as long as the
// vault holds the old key. Run it after making a new key primary on every
// process; afterwards the old key can be removed from the key file.
func (v *Vault) Rotate(ctx context.Context, db *store.DB, batch int) (int, error) {
	if batch <= 0 {
		batch = 100
	}
	total := 0
	for {
		n, more := 0, false
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			n, more, err = v.rotateBatch(ctx, tx, batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// rotateBatch moves up to batch rows to the primary key. more is false when
// no row was left to move.
func (v *Vault) rotateBatch(ctx context.Context, tx *store.Tx, batch int) (moved int, more bool, err error) {
	k := v.keys.Load()
	rows, err := tx.QueryContext(ctx, `SELECT ticket_id, field, key_id, ciphertext FROM vault
WHERE key_id <> ? ORDER BY ticket_id, field LIMIT ?`, k.primary, batch)
	if err != nil {
		return 0, false, fmt.Errorf("privacy: vault: rotate: %w", err)
	}
	var todo []vaultRow
	for rows.Next() {
		var r vaultRow
		if err := rows.Scan(&r.ticketID, &r.field, &r.keyID, &r.ct); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("privacy: vault: rotate: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("privacy: vault: rotate: %w", err)
	}
	for _, r := range todo {
		ad := associatedData(r.ticketID, r.field)
		plain, err := k.cipher.Open(r.keyID, r.ct, ad)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: vault: rotate ticket %d %s from key %s: %w",
				r.ticketID, r.field, r.keyID, err)
		}
		ct, err := k.cipher.Seal(k.primary, plain, ad)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: vault: rotate ticket %d %s: %w", r.ticketID, r.field, err)
		}
		// The key_id condition skips a row a concurrent Put has just replaced.
		res, err := tx.ExecContext(ctx, `UPDATE vault SET key_id = ?, ciphertext = ?
WHERE ticket_id = ? AND field = ? AND key_id = ?`, k.primary, ct, r.ticketID, r.field, r.keyID)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: vault: rotate ticket %d %s: %w", r.ticketID, r.field, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			moved += int(n)
		}
	}
	return moved, len(todo) > 0, nil
}
