package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// ErrFormReused is returned when a citizen form key arrives again with a
// different body: a retry must repeat the first request exactly.
var ErrFormReused = errors.New("workflow: form key already used for a different submission")

// MaxPhotos is the number of photos one citizen submission may carry.
const MaxPhotos = 3

// Photo is an image attached to a citizen submission, already re-encoded
// without metadata by the caller.
type Photo struct {
	ID          int64
	TicketID    int64
	Index       int
	ContentType string
	Width       int
	Height      int
	SHA256      string // of the stored bytes
	Data        []byte // empty in lists
}

// StagePhoto stores a photo under a form key before the form is sent, so a
// form that comes back with an error keeps its photos. Staging the same
// index again replaces the photo, unless the form was already sent. Photos
// of forms never sent stay until PurgeAbandonedForms removes them.
func (s *Service) StagePhoto(ctx context.Context, formKey string, p Photo) error {
	if p.Index < 0 || p.Index >= MaxPhotos {
		return fmt.Errorf("%w: photo index %d is outside 0..%d", ErrInvalid, p.Index, MaxPhotos-1)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var sent sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT ticket_id FROM citizen_forms WHERE form_key = ?`, formKey).Scan(&sent)
		if err == nil && sent.Valid {
			return fmt.Errorf("%w: the form was already sent", ErrFormReused)
		}
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("workflow: stage photo: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_photos WHERE form_key = ? AND idx = ? AND ticket_id IS NULL`,
			formKey, p.Index); err != nil {
			return fmt.Errorf("workflow: stage photo: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO citizen_photos (form_key, idx, content_type, width, height, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, formKey, p.Index, p.ContentType, p.Width, p.Height, p.SHA256, p.Data,
			s.opts.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("workflow: stage photo: %w", err)
		}
		return nil
	})
}

// UnstagePhoto removes a staged photo that the citizen took off the form.
func (s *Service) UnstagePhoto(ctx context.Context, formKey string, index int) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM citizen_photos WHERE form_key = ? AND idx = ? AND ticket_id IS NULL`,
		formKey, index)
	if err != nil {
		return fmt.Errorf("workflow: unstage photo: %w", err)
	}
	return nil
}

const photoColumns = `id, COALESCE(ticket_id, 0), idx, content_type, width, height, sha256`

func scanPhotos(rows *sql.Rows) ([]Photo, error) {
	defer rows.Close()
	var out []Photo
	for rows.Next() {
		var p Photo
		if err := rows.Scan(&p.ID, &p.TicketID, &p.Index, &p.ContentType, &p.Width, &p.Height, &p.SHA256); err != nil {
			return nil, fmt.Errorf("workflow: photos: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// StagedPhotos lists the photos of a form key by index, without their data.
func (s *Service) StagedPhotos(ctx context.Context, formKey string) ([]Photo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+photoColumns+` FROM citizen_photos WHERE form_key = ? ORDER BY idx`, formKey)
	if err != nil {
		return nil, fmt.Errorf("workflow: staged photos: %w", err)
	}
	return scanPhotos(rows)
}

// TicketPhotos lists the photos attached to a ticket, without their data.
// Callers that show them to staff record the read like any other.
func (s *Service) TicketPhotos(ctx context.Context, ticketID int64) ([]Photo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+photoColumns+` FROM citizen_photos WHERE ticket_id = ? ORDER BY idx`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("workflow: photos of ticket %d: %w", ticketID, err)
	}
	return scanPhotos(rows)
}

// PhotoByID returns one attached photo with its data.
func (s *Service) PhotoByID(ctx context.Context, id int64) (Photo, error) {
	var p Photo
	err := s.db.QueryRowContext(ctx, `SELECT `+photoColumns+`, data FROM citizen_photos WHERE id = ? AND ticket_id IS NOT NULL`, id).
		Scan(&p.ID, &p.TicketID, &p.Index, &p.ContentType, &p.Width, &p.Height, &p.SHA256, &p.Data)
	if isNoRows(err) {
		return Photo{}, fmt.Errorf("photo %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Photo{}, fmt.Errorf("workflow: photo %d: %w", id, err)
	}
	return p, nil
}

// Form is a citizen form as sent: its idempotency key, a hash of everything
// the citizen sent (text fields and photo hashes), the submission, and an
// optional WGS-84 position.
type Form struct {
	Key        string
	BodyHash   string
	Submission Submission
	Latitude   *float64
	Longitude  *float64
}

// SubmitForm submits a citizen form once. The first request with a key
// reserves it with its body hash, submits the item, and attaches the photos
// staged under the key. A request with the same key and hash returns the
// same ticket (created false), even after a crash between those steps. A
// request with the same key and another hash returns ErrFormReused.
func (s *Service) SubmitForm(ctx context.Context, f Form) (*ticket.Ticket, bool, error) {
	if f.Key == "" || f.BodyHash == "" {
		return nil, false, fmt.Errorf("%w: the form key is missing", ErrInvalid)
	}
	if err := f.Submission.validate(); err != nil {
		return nil, false, err
	}
	now := s.opts.Now().UnixMilli()
	var lat, lon any
	if f.Latitude != nil && f.Longitude != nil {
		lat, lon = *f.Latitude, *f.Longitude
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO citizen_forms (form_key, body_hash, latitude, longitude, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (form_key) DO NOTHING`, f.Key, f.BodyHash, lat, lon, now); err != nil {
		return nil, false, fmt.Errorf("workflow: reserve form: %w", err)
	}
	var hash string
	var ticketID sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT body_hash, ticket_id FROM citizen_forms WHERE form_key = ?`, f.Key).
		Scan(&hash, &ticketID); err != nil {
		return nil, false, fmt.Errorf("workflow: reserve form: %w", err)
	}
	if hash != f.BodyHash {
		return nil, false, ErrFormReused
	}
	if ticketID.Valid {
		t, err := loadTicket(ctx, s.db, ticketID.Int64)
		return t, false, err
	}
	sub := f.Submission
	sub.ExternalID = f.Key
	t, created, err := s.Submit(ctx, sub)
	if err != nil {
		return nil, false, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE citizen_photos SET ticket_id = ? WHERE form_key = ? AND ticket_id IS NULL`,
			t.ID, f.Key); err != nil {
			return fmt.Errorf("workflow: attach photos: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE citizen_forms SET ticket_id = ? WHERE form_key = ?`, t.ID, f.Key); err != nil {
			return fmt.Errorf("workflow: link form: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return t, created, nil
}

// FormTicket returns the ticket a form key created, or ErrNotFound.
func (s *Service) FormTicket(ctx context.Context, key string) (*ticket.Ticket, error) {
	var id sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT ticket_id FROM citizen_forms WHERE form_key = ?`, key).Scan(&id)
	if isNoRows(err) || (err == nil && !id.Valid) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: form ticket: %w", err)
	}
	return loadTicket(ctx, s.db, id.Int64)
}

// ClaimForm reserves a form key for a citizen action on an existing ticket,
// such as a rating on the progress page. fresh is false when the key was
// claimed before with the same hash, so the caller skips the action it
// already ran. The same key with another hash returns ErrFormReused.
func (s *Service) ClaimForm(ctx context.Context, key, hash string, ticketID int64) (fresh bool, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO citizen_forms (form_key, body_hash, ticket_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (form_key) DO NOTHING`, key, hash, ticketID, s.opts.Now().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("workflow: claim form: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	var prev string
	if err := s.db.QueryRowContext(ctx, `SELECT body_hash FROM citizen_forms WHERE form_key = ?`, key).Scan(&prev); err != nil {
		return false, fmt.Errorf("workflow: claim form: %w", err)
	}
	if prev != hash {
		return false, ErrFormReused
	}
	return false, nil
}

// ReleaseForm drops the claim of a form key whose action failed, so that a
// retry runs the action again.
func (s *Service) ReleaseForm(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM citizen_forms WHERE form_key = ?`, key); err != nil {
		return fmt.Errorf("workflow: release form: %w", err)
	}
	return nil
}

// PurgeAbandonedForms deletes the staged photos, voice recordings and form
// keys of citizen forms that never became a ticket and were last touched
// before before, and returns how many photos and recordings it deleted. It is idempotent, for a periodic sweep.
func (s *Service) PurgeAbandonedForms(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM citizen_photos WHERE ticket_id IS NULL AND created_at < ?`, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("workflow: purge staged photos: %w", err)
		}
		n, _ = res.RowsAffected()
		// A recording staged for a form that was never sent is a citizen's
		// voice kept for nothing; it goes with the form.
		res, err = tx.ExecContext(ctx, `DELETE FROM voice_recordings WHERE ticket_id IS NULL AND created_at < ?`,
			before.UnixMilli())
		if err != nil {
			return fmt.Errorf("workflow: purge staged recordings: %w", err)
		}
		voices, _ := res.RowsAffected()
		n += voices
		if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_forms WHERE ticket_id IS NULL AND created_at < ?`,
			before.UnixMilli()); err != nil {
			return fmt.Errorf("workflow: purge form keys: %w", err)
		}
		return nil
	})
	return int(n), err
}
