package classify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"minyi/store"
)

// ErrNoVersion is returned when a head has no model of the version asked for.
var ErrNoVersion = errors.New("classify: no such model version")

// ErrActiveChanged is returned by Promote when another process changed the
// head's active version while the candidate was being evaluated.
var ErrActiveChanged = errors.New("classify: active model changed during evaluation")

// CorrectionWeight is how many times a staff correction counts in training,
// against once for a row of the base file. Ten copies let a handful of
// corrections move the model on the texts they correct without letting a
// single mistaken correction outweigh a class of the base file.
const CorrectionWeight = 10

// Version describes one stored model version.
type Version struct {
	Head      string    `json:"head"`
	Version   int       `json:"version"`
	Method    string    `json:"method"`
	CreatedAt time.Time `json:"created_at"`
	Active    bool      `json:"active"`
	Metrics   Report    `json:"metrics"` // as evaluated when the version was stored
}

// Versions lists the stored versions of head, or of every head when head is
// empty, by head and then version.
func Versions(ctx context.Context, q store.Querier, head string) ([]Version, error) {
	query := `SELECT head, version, method, created_at, active, metrics FROM models`
	var args []any
	if head != "" {
		query += ` WHERE head = ?`
		args = append(args, head)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY head, version`, args...)
	if err != nil {
		return nil, fmt.Errorf("classify: list versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var (
			v       Version
			created sql.NullInt64
			active  int
			metrics string
		)
		if err := rows.Scan(&v.Head, &v.Version, &v.Method, &created, &active, &metrics); err != nil {
			return nil, fmt.Errorf("classify: list versions: %w", err)
		}
		v.CreatedAt, v.Active = store.Time(created), active != 0
		if err := json.Unmarshal([]byte(metrics), &v.Metrics); err != nil {
			return nil, fmt.Errorf("classify: metrics of %s v%d: %w", v.Head, v.Version, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("classify: list versions: %w", err)
	}
	return out, nil
}

// Activate makes version the only active version of head. It returns
// ErrNoVersion when head has no such version.
func Activate(ctx context.Context, db *store.DB, head string, version int) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM models WHERE head = ? AND version = ?`, head, version).Scan(&n)
		if err != nil {
			return fmt.Errorf("classify: activate %s v%d: %w", head, version, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: %s v%d", ErrNoVersion, head, version)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET active = 0 WHERE head = ? AND active <> 0`, head); err != nil {
			return fmt.Errorf("classify: activate %s v%d: %w", head, version, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET active = 1 WHERE head = ? AND version = ?`, head, version); err != nil {
			return fmt.Errorf("classify: activate %s v%d: %w", head, version, err)
		}
		return nil
	})
}

// Rollback makes an older version of head active and returns it. With to
// zero it picks the newest version below the active one; otherwise to must
// be a stored version. A head without an active model, or whose active model
// is its oldest, returns ErrNoVersion when to is zero.
func Rollback(ctx context.Context, db *store.DB, head string, to int) (int, error) {
	if to == 0 {
		active, err := ActiveVersion(ctx, db, head)
		if err != nil {
			return 0, err
		}
		err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM models WHERE head = ? AND version < ?`,
			head, active).Scan(&to)
		if err != nil {
			return 0, fmt.Errorf("classify: rollback %s: %w", head, err)
		}
		if to == 0 {
			return 0, fmt.Errorf("%w: %s has no version older than v%d", ErrNoVersion, head, active)
		}
	}
	return to, Activate(ctx, db, head, to)
}

// Corrections returns the examples staff have labelled for head through their
// work. One is every ticket whose head tag in ticket_tags was last set by
// staff (source "staff:LOGIN", as workflow.Retag writes it). For the "tag"
// head, another is every ticket that the system sent to triage and centre
// staff then dispatched, labelled with the tag it has now. The text is the
// ticket's masked title and body, which is what the model reads at intake.
func Corrections(ctx context.Context, q store.Querier, head string) ([]Example, error) {
	query := `SELECT t.title, t.body, g.tag FROM tickets t JOIN ticket_tags g ON g.ticket_id = t.id AND g.head = ?
		WHERE g.tag <> '' AND (g.source LIKE 'staff:%'`
	args := []any{head}
	if head == "tag" {
		query += ` OR EXISTS (SELECT 1 FROM ticket_events d WHERE d.ticket_id = t.id AND d.action = 'dispatch'
			AND d.actor_role = 'centre' AND EXISTS (SELECT 1 FROM ticket_events r WHERE r.ticket_id = t.id
				AND r.action = 'triage' AND r.actor_role = 'system' AND r.id < d.id))`
	}
	rows, err := q.QueryContext(ctx, query+`) ORDER BY t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("classify: corrections for %s: %w", head, err)
	}
	defer rows.Close()
	var out []Example
	for rows.Next() {
		var title, body, label string
		if err := rows.Scan(&title, &body, &label); err != nil {
			return nil, fmt.Errorf("classify: corrections for %s: %w", head, err)
		}
		if text := joinText(title, body); text != "" {
			out = append(out, Example{Text: text, Label: strings.TrimSpace(label)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("classify: corrections for %s: %w", head, err)
	}
	return out, nil
}

// RetrainResult is the outcome of Retrain or Promote.
type RetrainResult struct {
	Head         string  `json:"head"`
	Version      int     `json:"version"`     // the candidate's stored version
	Previous     int     `json:"previous"`    // the version active before, 0 for none
	Promoted     bool    `json:"promoted"`    // whether the candidate is now active
	Rows         int     `json:"rows"`        // training rows, corrections counted CorrectionWeight times
	Corrections  int     `json:"corrections"` // corrections found, trained on or held out
	HeldOut      int     `json:"held_out"`    // evaluation rows
	Candidate    Report  `json:"candidate"`   // the candidate on the held-out rows
	Current      Report  `json:"current"`     // the previously active model on the same rows
	Reason       string  `json:"reason"`      // the comparison that decided promotion
	TrainSeconds float64 `json:"train_seconds"`
}

// Retrain trains a candidate model for head and hands it to Promote. It
// trains on the base examples outside the held-out fifth plus the staff
// corrections outside it, each correction counted CorrectionWeight times.
// The held-out fifth of both is the evaluation set, so a correction whose
// text HeldOut selects is evaluated but never trained on.
func Retrain(ctx context.Context, db *store.DB, head string, base []Example, opts Options) (RetrainResult, error) {
	corrections, err := Corrections(ctx, db, head)
	if err != nil {
		return RetrainResult{}, err
	}
	train, held := Split(base)
	trainCorrections, heldCorrections := Split(corrections)
	for range CorrectionWeight {
		train = append(train, trainCorrections...)
	}
	held = append(held, heldCorrections...)
	start := time.Now()
	m, err := Train(train, opts)
	if err != nil {
		return RetrainResult{}, err
	}
	took := time.Since(start)
	r, err := Promote(ctx, db, head, m, held)
	r.Rows, r.Corrections, r.TrainSeconds = len(train), len(corrections), took.Seconds()
	return r, err
}

// Promote evaluates candidate and head's active model on held, stores the
// candidate as a new version with its figures, and makes it active unless
// its macro-F1 is lower than the active model's. A head without an active
// model takes the candidate. Every candidate is kept, promoted or not.
func Promote(ctx context.Context, db *store.DB, head string, candidate *Model, held []Example) (RetrainResult, error) {
	r := RetrainResult{Head: head, HeldOut: len(held), Candidate: Evaluate(candidate, held)}
	current, previous, err := LoadActive(ctx, db, head)
	switch {
	case errors.Is(err, ErrNoModel):
		r.Promoted, r.Reason = true, "no active model"
	case err != nil:
		return r, err
	default:
		r.Previous = previous
		r.Current = Evaluate(current, held)
		r.Promoted = r.Candidate.MacroF1 >= r.Current.MacroF1
		if r.Promoted {
			r.Reason = fmt.Sprintf("macro-F1 %.4f is not below v%d's %.4f", r.Candidate.MacroF1, previous, r.Current.MacroF1)
		} else {
			r.Reason = fmt.Sprintf("macro-F1 %.4f is below v%d's %.4f", r.Candidate.MacroF1, previous, r.Current.MacroF1)
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if r.Promoted {
			now, err := ActiveVersion(ctx, tx, head)
			if err != nil && !errors.Is(err, ErrNoModel) {
				return err
			}
			if now != r.Previous {
				return fmt.Errorf("%w: %s was v%d, now v%d", ErrActiveChanged, head, r.Previous, now)
			}
		}
		var err error
		r.Version, err = saveVersion(ctx, tx, head, candidate, r.Candidate, r.Promoted)
		return err
	})
	return r, err
}
