package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"minyi/store"
)

// PurgeResult counts what a retention purge shredded, or would shred in a dry run.
type PurgeResult struct {
	Tickets    int // tickets whose personal data was shredded
	Values     int // vault values
	Messages   int // relay messages
	Recordings int // voice recordings
}

func (r *PurgeResult) add(o PurgeResult) {
	r.Tickets += o.Tickets
	r.Values += o.Values
	r.Messages += o.Messages
	r.Recordings += o.Recordings
}

// purgeBatch is the number of tickets shredded per transaction.
const purgeBatch = 200

// purgeCandidates selects ended tickets that still hold personal data. A
// merged ticket waits for its lead to end, because its citizen still gets a
// call-back of their own. citizen_key and progress_key count as personal
// data: they are keyed hashes of the phone number, which anyone holding the
// keys could reverse by trying every number.
const purgeCandidates = `SELECT t.id FROM tickets t
WHERE t.ended_at IS NOT NULL AND t.ended_at < ?
AND (t.state <> 'merged' OR EXISTS (SELECT 1 FROM tickets l WHERE l.id = t.merged_into
	AND l.ended_at IS NOT NULL AND l.ended_at < ?))
AND (t.citizen_key IS NOT NULL OR t.progress_key IS NOT NULL
	OR EXISTS (SELECT 1 FROM vault v WHERE v.ticket_id = t.id)
	OR EXISTS (SELECT 1 FROM relay_messages m WHERE m.ticket_id = t.id)
	OR EXISTS (SELECT 1 FROM voice_recordings r WHERE r.ticket_id = t.id))
ORDER BY t.id LIMIT ?`

// Purge crypto-shreds the personal data of tickets that ended before
// cutoff: their vault values, relay messages and voice recordings are
// deleted, their blind index and progress key cleared, and the message texts
// dropped from their timelines. The masked ticket,
// its timeline, tags and photos (stored without EXIF) stay, so KPIs are
// unchanged. With dryRun it only counts.
//
// On SQLite, deleted pages are zeroed (secure_delete) and the write-ahead log
// is truncated afterwards, so neither file keeps the ciphertext.
// On SQLite every write connection runs with secure_delete on (see store), so
// freed pages are zeroed; on PostgreSQL the tables are vacuumed, which frees
// the dead tuples for reuse.
// NOTE: PostgreSQL's VACUUM does not zero freed space; the old ciphertext can
// stay in the table file until it is overwritten. The data stays unreadable
// without the keys, which is what makes the deletion a crypto-shred.
func Purge(ctx context.Context, db *store.DB, cutoff time.Time, dryRun bool) (PurgeResult, error) {
	var total PurgeResult
	if dryRun {
		return total, countPurge(ctx, db, cutoff, &total)
	}
	for {
		var ids []int64
		var batch PurgeResult
		err := db.InTx(ctx, func(tx *store.Tx) error {
			batch = PurgeResult{} // InTx may run this again
			var err error
			ids, err = candidateIDs(ctx, tx, cutoff)
			if err != nil || len(ids) == 0 {
				return err
			}
			return shredTickets(ctx, tx, ids, &batch)
		})
		if err != nil {
			return total, err
		}
		total.add(batch)
		if len(ids) < purgeBatch {
			break
		}
	}
	if total.Tickets > 0 {
		compact(ctx, db)
	}
	return total, nil
}

func candidateIDs(ctx context.Context, q store.Querier, cutoff time.Time) ([]int64, error) {
	ms := cutoff.UnixMilli()
	rows, err := q.QueryContext(ctx, purgeCandidates, ms, ms, purgeBatch)
	if err != nil {
		return nil, fmt.Errorf("privacy: purge: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("privacy: purge: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy: purge: %w", err)
	}
	return ids, nil
}

func countPurge(ctx context.Context, db *store.DB, cutoff time.Time, total *PurgeResult) error {
	ms, all := cutoff.UnixMilli(), int64(1)<<40 // all lifts the batch limit of purgeCandidates
	inner := `SELECT id FROM (` + purgeCandidates + `) c`
	err := db.QueryRowContext(ctx, `SELECT
	(SELECT COUNT(*) FROM (`+purgeCandidates+`) a),
	(SELECT COUNT(*) FROM vault WHERE ticket_id IN (`+inner+`)),
	(SELECT COUNT(*) FROM relay_messages WHERE ticket_id IN (`+inner+`)),
	(SELECT COUNT(*) FROM voice_recordings WHERE ticket_id IN (`+inner+`))`,
		ms, ms, all, ms, ms, all, ms, ms, all, ms, ms, all).
		Scan(&total.Tickets, &total.Values, &total.Messages, &total.Recordings)
	if err != nil {
		return fmt.Errorf("privacy: purge dry run: %w", err)
	}
	return nil
}

// shredTickets deletes the personal data of the tickets ids within tx.
func shredTickets(ctx context.Context, tx *store.Tx, ids []int64, total *PurgeResult) error {
	if err := secureDelete(ctx, tx); err != nil {
		return err
	}
	for _, id := range ids {
		for _, step := range []struct {
			query string
			count *int
		}{
			{`DELETE FROM vault WHERE ticket_id = ?`, &total.Values},
			{`DELETE FROM relay_messages WHERE ticket_id = ?`, &total.Messages},
			{`DELETE FROM voice_recordings WHERE ticket_id = ?`, &total.Recordings},
			{`UPDATE tickets SET citizen_key = NULL, progress_key = NULL WHERE id = ?`, nil},
		} {
			res, err := tx.ExecContext(ctx, step.query, id)
			if err != nil {
				return fmt.Errorf("privacy: purge ticket %d: %w", id, err)
			}
			if n, err := res.RowsAffected(); err == nil && step.count != nil {
				*step.count += int(n)
			}
		}
		if err := dropMessageTexts(ctx, tx, id); err != nil {
			return err
		}
		total.Tickets++
	}
	return nil
}

// dropMessageTexts removes the text of relay messages from the ticket's
// timeline, where the contact events keep a masked copy for staff.
func dropMessageTexts(ctx context.Context, tx *store.Tx, ticketID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, details FROM ticket_events WHERE ticket_id = ? AND action = 'contact'`,
		ticketID)
	if err != nil {
		return fmt.Errorf("privacy: purge ticket %d: %w", ticketID, err)
	}
	updates := map[int64]string{}
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("privacy: purge ticket %d: %w", ticketID, err)
		}
		var details map[string]string
		if json.Unmarshal([]byte(raw), &details) != nil {
			continue
		}
		if _, ok := details["message"]; !ok {
			continue
		}
		delete(details, "message")
		b, _ := json.Marshal(details)
		updates[id] = string(b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("privacy: purge ticket %d: %w", ticketID, err)
	}
	for id, details := range updates {
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_events SET details = ? WHERE id = ?`, details, id); err != nil {
			return fmt.Errorf("privacy: purge ticket %d: %w", ticketID, err)
		}
	}
	return nil
}

// secureDelete makes SQLite zero the pages it frees on this connection.
func secureDelete(ctx context.Context, q store.Querier) error {
	if q.DialectName() != store.SQLite {
		return nil
	}
	if _, err := q.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("privacy: secure_delete: %w", err)
	}
	return nil
}

// compact removes the old page images that still hold shredded values: the
// write-ahead log on SQLite, the dead tuples on PostgreSQL. It is best
// effort, because a busy database may refuse; the next purge tries again.
func compact(ctx context.Context, db *store.DB) {
	switch db.Dialect {
	case store.SQLite:
		_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	default:
		_, _ = db.ExecContext(ctx, `VACUUM vault, relay_messages, voice_recordings`)
	}
}
