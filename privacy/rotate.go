package privacy

import (
	"context"
	"fmt"

	"minyi/store"
)

// RotateProgress is Rotate over every table of sealed data: the vault, the
// voice recordings, and the server secrets (TOTP secrets of accounts, then
// the API-key HMAC key in settings). It calls progress (when not nil) after
// each batch with the table and the number of rows moved in it so far.
func (v *Vault) RotateProgress(ctx context.Context, db *store.DB, batch int,
	progress func(table string, moved int)) (int, error) {
	if batch <= 0 {
		batch = 100
	}
	total := 0
	for _, table := range []struct {
		name string
		step func(ctx context.Context, tx *store.Tx, batch int) (int, bool, error)
	}{{"vault", v.rotateBatch}, {"voice_recordings", v.rotateVoiceBatch},
		{"accounts", v.rotateSecretsBatch}} {
		moved := 0
		for {
			var n int
			var more bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				n, more, err = table.step(ctx, tx, batch)
				return err
			})
			if err != nil {
				return total + moved, err
			}
			moved += n
			if progress != nil {
				progress(table.name, moved)
			}
			if !more {
				break
			}
		}
		total += moved
	}
	return total, nil
}

// rotateVoiceBatch moves up to batch voice recordings to the primary key,
// keeping each bound to its ticket, or to its form while staged.
func (v *Vault) rotateVoiceBatch(ctx context.Context, tx *store.Tx, batch int) (moved int, more bool, err error) {
	k := v.keys.Load()
	rows, err := tx.QueryContext(ctx, `SELECT id, form_key, COALESCE(ticket_id, 0), key_id, ciphertext
FROM voice_recordings WHERE key_id <> ? ORDER BY id LIMIT ?`, k.primary, batch)
	if err != nil {
		return 0, false, fmt.Errorf("privacy: rotate voice: %w", err)
	}
	type voiceRow struct {
		id    int64
		owner BlobOwner
		blob  SealedBlob
	}
	var todo []voiceRow
	for rows.Next() {
		var r voiceRow
		var formKey string
		if err := rows.Scan(&r.id, &formKey, &r.owner.TicketID, &r.blob.KeyID, &r.blob.Ciphertext); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("privacy: rotate voice: %w", err)
		}
		r.owner.Kind = BlobKindVoice
		if r.owner.TicketID == 0 {
			r.owner.FormKey = formKey
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("privacy: rotate voice: %w", err)
	}
	for _, r := range todo {
		sealed, err := v.ReownBlob(r.owner, r.owner, r.blob)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: rotate voice recording %d: %w", r.id, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE voice_recordings SET key_id = ?, ciphertext = ? WHERE id = ? AND key_id = ?`,
			sealed.KeyID, sealed.Ciphertext, r.id, r.blob.KeyID)
		if err != nil {
			return 0, false, fmt.Errorf("privacy: rotate voice recording %d: %w", r.id, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			moved += int(n)
		}
	}
	return moved, len(todo) > 0, nil
}

// KeyUsage returns how many stored values, in the vault, the voice
// recordings, the TOTP secrets and the API-key HMAC key, are sealed under
// keyID. A key may leave the key file only when this is 0.
func KeyUsage(ctx context.Context, q store.Querier, keyID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM vault WHERE key_id = ?)
	+ (SELECT COUNT(*) FROM voice_recordings WHERE key_id = ?)
	+ (SELECT COUNT(*) FROM accounts WHERE totp_key_id = ?)
	+ (SELECT COUNT(*) FROM settings WHERE key = ? AND value LIKE ?)`,
		keyID, keyID, keyID, AuthKeySetting, sealedSettingPrefix+keyID+":%").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("privacy: usage of key %s: %w", keyID, err)
	}
	return n, nil
}
