package evaluate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/store"
)

// Kind is the type of an evaluation: a rating or praise.
type Kind string

// The evaluation kinds.
const (
	KindRating Kind = "rating"
	KindPraise Kind = "praise"
)

// Rating is a citizen's verdict on a service.
type Rating string

// The ratings.
const (
	Satisfied      Rating = "satisfied"
	BasicSatisfied Rating = "basic"
	Unsatisfied    Rating = "unsatisfied"
)

// Valid reports whether r is a known rating.
func (r Rating) Valid() bool {
	return r == Satisfied || r == BasicSatisfied || r == Unsatisfied
}

// Label returns the Simplified Chinese name of r.
func (r Rating) Label() string {
	switch r {
	case Satisfied:
		return "满意"
	case BasicSatisfied:
		return "基本满意"
	case Unsatisfied:
		return "不满意"
	}
	return ""
}

// MaxCommentChars limits a rating's comment or a praise text, in characters.
const MaxCommentChars = 500

// ErrTooSoon is returned when the device already rated the same officer or
// code within the rating period.
var ErrTooSoon = errors.New("evaluate: already rated within the period")

// ErrAddressLimit is returned when one client address already reached the
// cap of evaluations of one kind of the same officer or code in the window.
var ErrAddressLimit = errors.New("evaluate: too many evaluations from one address")

// ErrKeyReused is returned when a form key was used before for a different
// evaluation.
var ErrKeyReused = errors.New("evaluate: form key already used for a different evaluation")

// Evaluation is one rating or praise.
type Evaluation struct {
	ID                int64     `json:"id"`
	Kind              Kind      `json:"kind"`
	CodeID            string    `json:"code_id,omitempty"`
	OfficerID         string    `json:"officer_id,omitempty"`
	UnitID            string    `json:"unit_id"`
	UnitPath          string    `json:"-"`
	Rating            Rating    `json:"rating,omitempty"`
	Comment           string    `json:"comment,omitempty"`
	At                time.Time `json:"at"`
	ComplaintTicketID int64     `json:"complaint_ticket_id,omitempty"`
	DeviceHash        string    `json:"-"`
	FormKey           string    `json:"-"`
	// AddressHash is a keyed hash of the client address, counted against
	// RecordOptions.AddressCap and not stored with the evaluation.
	AddressHash string `json:"-"`
}

// HashDevice returns the stored form of a device cookie value.
func HashDevice(device string) string {
	if device == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("minyi/device\x00" + device))
	return hex.EncodeToString(sum[:16])
}

// RecordOptions controls Record.
type RecordOptions struct {
	// Period allows one rating per device per officer (or per code, for codes
	// without an officer) within it; zero disables the check. Praise is not limited.
	Period time.Duration
	// AddressCap bounds the evaluations of one kind of one officer (or code)
	// from one AddressHash in each fixed window of Period, counted in the
	// database so that every process and restart shares the count. Windows
	// start at multiples of Period since the Unix epoch, so for 24 hours at
	// 08:00 China time. Zero, or a zero Period, disables the cap.
	AddressCap int
	Now        time.Time
}

// Record stores an evaluation. Comment must already be masked by the caller.
// A form key seen before returns the earlier evaluation when it matches and
// ErrKeyReused when it does not, so a double tap records one evaluation.
func Record(ctx context.Context, db *store.DB, e Evaluation, o RecordOptions) (Evaluation, error) {
	if err := e.validate(); err != nil {
		return Evaluation{}, err
	}
	e.At = o.Now.UTC().Truncate(time.Millisecond)
	var out Evaluation
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if e.FormKey != "" {
			prev, err := byFormKey(ctx, tx, e.FormKey)
			if err == nil {
				if prev.Kind != e.Kind || prev.Rating != e.Rating || prev.Comment != e.Comment || prev.CodeID != e.CodeID {
					return ErrKeyReused
				}
				out = prev
				return nil
			}
			if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if e.Kind == KindRating && o.Period > 0 && e.DeviceHash != "" {
			if err := checkPeriod(ctx, tx, e, o.Period); err != nil {
				return err
			}
		}
		if o.AddressCap > 0 && o.Period > 0 && e.AddressHash != "" {
			if err := countAddress(ctx, tx, e, o); err != nil {
				return err
			}
		}
		id, err := store.InsertID(ctx, tx, `INSERT INTO evaluations (kind, code_id, officer_id, unit_id, unit_path,
			rating, comment, device_hash, form_key, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Kind, nullable(e.CodeID), nullable(e.OfficerID), e.UnitID, e.UnitPath, e.Rating, e.Comment,
			e.DeviceHash, nullable(e.FormKey), e.At.UnixMilli())
		if err != nil {
			return fmt.Errorf("evaluate: record: %w", err)
		}
		e.ID = id
		out = e
		return nil
	})
	return out, err
}

func (e *Evaluation) validate() error {
	switch e.Kind {
	case KindRating:
		if !e.Rating.Valid() {
			return fmt.Errorf("%w: rating %q is not satisfied, basic or unsatisfied", ErrInvalid, e.Rating)
		}
	case KindPraise:
		e.Rating = ""
		if strings.TrimSpace(e.Comment) == "" {
			return fmt.Errorf("%w: praise needs its text", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: kind %q is not rating or praise", ErrInvalid, e.Kind)
	}
	if e.UnitID == "" || e.UnitPath == "" {
		return fmt.Errorf("%w: the unit is missing", ErrInvalid)
	}
	if !utf8.ValidString(e.Comment) {
		return fmt.Errorf("%w: the comment is not valid UTF-8", ErrInvalid)
	}
	if n := utf8.RuneCountInString(e.Comment); n > MaxCommentChars {
		return fmt.Errorf("%w: the comment has %d characters, the limit is %d", ErrInvalid, n, MaxCommentChars)
	}
	return nil
}

// checkPeriod returns ErrTooSoon when the device rated the same officer, or
// for a code without an officer the same code, within the period.
func checkPeriod(ctx context.Context, tx *store.Tx, e Evaluation, period time.Duration) error {
	since := e.At.Add(-period).UnixMilli()
	var n int
	var err error
	if e.OfficerID != "" {
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM evaluations WHERE kind = 'rating' AND device_hash = ?
			AND officer_id = ? AND at > ?`, e.DeviceHash, e.OfficerID, since).Scan(&n)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM evaluations WHERE kind = 'rating' AND device_hash = ?
			AND code_id = ? AND at > ?`, e.DeviceHash, e.CodeID, since).Scan(&n)
	}
	if err != nil {
		return fmt.Errorf("evaluate: rating period: %w", err)
	}
	if n > 0 {
		return ErrTooSoon
	}
	return nil
}

// countAddress adds the evaluation to its address's count in the current
// window and returns ErrAddressLimit past the cap. The upsert locks the count
// row until the transaction ends, so concurrent posts on PostgreSQL cannot
// all read the same count. A rejected post rolls its increment back.
func countAddress(ctx context.Context, tx *store.Tx, e Evaluation, o RecordOptions) error {
	period := o.Period.Milliseconds()
	window := e.At.UnixMilli() / period * period
	owner := e.OfficerID
	if owner == "" {
		owner = "code:" + e.CodeID
	}
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_address_counts (address_hash, owner, kind, window_start, n)
		VALUES (?, ?, ?, ?, 1) ON CONFLICT (address_hash, owner, kind, window_start)
		DO UPDATE SET n = evaluation_address_counts.n + 1 RETURNING n`, e.AddressHash, owner, e.Kind, window).Scan(&n)
	if err != nil {
		return fmt.Errorf("evaluate: address count: %w", err)
	}
	if n > o.AddressCap {
		return ErrAddressLimit
	}
	if n == 1 {
		// The first evaluation of a new window clears the windows before the last.
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_address_counts WHERE window_start < ?`,
			window-period); err != nil {
			return fmt.Errorf("evaluate: address count: %w", err)
		}
	}
	return nil
}

const evaluationColumns = `id, kind, COALESCE(code_id, ''), COALESCE(officer_id, ''), unit_id, unit_path, rating,
	comment, device_hash, COALESCE(form_key, ''), at, complaint_ticket_id`

func scanEvaluation(row interface{ Scan(...any) error }) (Evaluation, error) {
	var e Evaluation
	var at int64
	var complaint sql.NullInt64
	err := row.Scan(&e.ID, &e.Kind, &e.CodeID, &e.OfficerID, &e.UnitID, &e.UnitPath, &e.Rating, &e.Comment,
		&e.DeviceHash, &e.FormKey, &at, &complaint)
	e.At = time.UnixMilli(at).UTC()
	e.ComplaintTicketID = complaint.Int64
	return e, err
}

func byFormKey(ctx context.Context, q store.Querier, key string) (Evaluation, error) {
	e, err := scanEvaluation(q.QueryRowContext(ctx, `SELECT `+evaluationColumns+` FROM evaluations WHERE form_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Evaluation{}, ErrNotFound
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("evaluate: evaluation by form key: %w", err)
	}
	return e, nil
}

// ByID returns one evaluation.
func ByID(ctx context.Context, q store.Querier, id int64) (Evaluation, error) {
	e, err := scanEvaluation(q.QueryRowContext(ctx, `SELECT `+evaluationColumns+` FROM evaluations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Evaluation{}, fmt.Errorf("evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("evaluate: evaluation %d: %w", id, err)
	}
	return e, nil
}

// LinkComplaint records the complaint ticket an unsatisfied rating was turned
// into. A rating links to one complaint; linking it again to the same ticket
// changes nothing.
func LinkComplaint(ctx context.Context, q store.Querier, evaluationID, ticketID int64) error {
	res, err := q.ExecContext(ctx, `UPDATE evaluations SET complaint_ticket_id = ? WHERE id = ?
		AND (complaint_ticket_id IS NULL OR complaint_ticket_id = ?)`, ticketID, evaluationID, ticketID)
	if err != nil {
		return fmt.Errorf("evaluate: link complaint of evaluation %d: %w", evaluationID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: evaluation %d is missing or linked to another complaint", ErrInvalid, evaluationID)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
