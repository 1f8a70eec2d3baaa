package classify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
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

// ErrInvalidBase is returned by Retrain and CheckBase when a base file
// cannot train or evaluate a candidate.
var ErrInvalidBase = errors.New("classify: invalid base file")

// Floors a base file must meet before Retrain trains on it.
const (
	// MinHeldOutRows is the minimum number of base rows in the held-out
	// fifth, about 250 rows in the file. Fewer cannot tell the models
	// apart. At 50 rows the standard error of a rate such as accuracy is at
	// most 0.07, sqrt(0.25/50), so MaxBaseDrop is more than three of them.
	MinHeldOutRows = 50
	// MinHeldOutPerLabel is the minimum number of held-out rows of every
	// label in the base file. A label with one held-out row has an F1 of
	// either 0 or 1, which swings macro-F1 by 1/labels on a single text.
	MinHeldOutPerLabel = 2
)

// MaxBaseDrop is how far below its recorded macro-F1 the active version may
// score on the base file's held-out rows before Retrain stops trusting the
// file. The recorded figure was measured on the held-out fifth of the file
// the version was trained on. A correctly labelled base file of the same
// kind should come close to it: the gap is sampling noise, at most about
// 0.07 per standard error at MinHeldOutRows, plus some drift in the texts.
// A file with shifted or swapped labels scores near 0, because the version
// predicts the old labels. 0.25 lies between the two.
const MaxBaseDrop = 0.25

// CheckBase returns an error wrapping ErrInvalidBase when base has fewer than
// two labels, fewer than MinHeldOutRows rows in the held-out fifth, or a label
// with fewer than MinHeldOutPerLabel held-out rows.
func CheckBase(base []Example) error {
	counts := LabelCounts(base)
	switch len(counts) {
	case 0:
		return fmt.Errorf("%w: it has no rows", ErrInvalidBase)
	case 1:
		return fmt.Errorf("%w: all of its %d rows are labelled %q, but at least two labels are needed",
			ErrInvalidBase, len(base), base[0].Label)
	}
	_, held := Split(base)
	if len(held) < MinHeldOutRows {
		return fmt.Errorf("%w: %d of its %d rows are in the held-out fifth, but at least %d are needed to compare models; add rows",
			ErrInvalidBase, len(held), len(base), MinHeldOutRows)
	}
	heldCounts := LabelCounts(held)
	var few []string
	for _, l := range sortedLabels(counts) {
		if heldCounts[l] < MinHeldOutPerLabel {
			few = append(few, fmt.Sprintf("%s (%d)", l, heldCounts[l]))
		}
	}
	if len(few) > 0 {
		return fmt.Errorf("%w: labels with fewer than %d held-out rows: %s; add rows of these labels or remove them",
			ErrInvalidBase, MinHeldOutPerLabel, strings.Join(few, ", "))
	}
	return nil
}

func sortedLabels(counts map[string]int) []string {
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	return labels
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

	// BaseCheck is the check of the base file against the previously
	// active version. Promote leaves it zero.
	BaseCheck BaseCheck `json:"base_check"`
}

// BaseCheck compares the previously active version's figure on the base
// file's held-out rows with the figure recorded when it was stored.
type BaseCheck struct {
	Checked bool `json:"checked"` // false without an active version or a recorded figure
	// Rows is the number of held-out base rows whose label the version was
	// trained on. OnBase is measured on them.
	Rows     int     `json:"rows"`
	Recorded float64 `json:"recorded_macro_f1"` // macro-F1 stored with the version
	// OnBase is the version's macro-F1 on Rows, averaged over the labels
	// those rows carry.
	OnBase float64 `json:"base_macro_f1"`
	Failed bool    `json:"failed"` // OnBase is more than MaxBaseDrop below Recorded, or Rows is 0
}

// Retrain trains a candidate model for head and hands it to Promote. It
// trains on the base examples outside the held-out fifth plus the staff
// corrections outside it, each correction counted CorrectionWeight times.
// The held-out fifth of both is the evaluation set, so a correction whose
// text HeldOut selects is evaluated but never trained on.
//
// A base file that fails CheckBase returns an error before training. The
// active version is also scored on the base file's held-out rows, without
// the corrections, which it is expected to get wrong. When that figure is
// more than MaxBaseDrop below the one recorded for the version, the
// candidate is stored but not activated, whatever its own figure.
func Retrain(ctx context.Context, db *store.DB, head string, base []Example, opts Options) (RetrainResult, error) {
	if err := CheckBase(base); err != nil {
		return RetrainResult{Head: head}, err
	}
	corrections, err := Corrections(ctx, db, head)
	if err != nil {
		return RetrainResult{}, err
	}
	train, baseHeld := Split(base)
	trainCorrections, heldCorrections := Split(corrections)
	for range CorrectionWeight {
		train = append(train, trainCorrections...)
	}
	held := append(append([]Example(nil), baseHeld...), heldCorrections...)
	start := time.Now()
	m, err := Train(train, opts)
	if err != nil {
		return RetrainResult{}, err
	}
	took := time.Since(start)
	r, err := promote(ctx, db, head, m, held, baseHeld)
	r.Rows, r.Corrections, r.TrainSeconds = len(train), len(corrections), took.Seconds()
	return r, err
}

// Promote evaluates candidate and head's active model on held, stores the
// candidate as a new version with its figures, and makes it active unless
// its macro-F1 is lower than the active model's. A head without an active
// model takes the candidate. Every candidate is kept, promoted or not.
func Promote(ctx context.Context, db *store.DB, head string, candidate *Model, held []Example) (RetrainResult, error) {
	return promote(ctx, db, head, candidate, held, nil)
}

// promote is Promote with the base file check of Retrain when baseHeld, the
// held-out rows of the base file, is not nil.
func promote(ctx context.Context, db *store.DB, head string, candidate *Model, held, baseHeld []Example) (RetrainResult, error) {
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
		if baseHeld != nil {
			if r.BaseCheck, err = checkBaseAgainst(ctx, db, head, current, previous, baseHeld); err != nil {
				return r, err
			}
		}
		r.Promoted = r.Candidate.MacroF1 >= r.Current.MacroF1 && !r.BaseCheck.Failed
		switch {
		case r.BaseCheck.Failed:
			// The reason names the candidate's version, known once it is stored below.
		case r.Promoted:
			r.Reason = fmt.Sprintf("macro-F1 %.4f is not below v%d's %.4f", r.Candidate.MacroF1, previous, r.Current.MacroF1)
		default:
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
	if err == nil && r.BaseCheck.Failed {
		r.Reason = baseCheckReason(r)
	}
	return r, err
}

// checkBaseAgainst measures the active version on the held-out base rows
// whose label it was trained on, and compares the figure with the one
// recorded for it.
func checkBaseAgainst(ctx context.Context, q store.Querier, head string, current *Model, version int,
	baseHeld []Example) (BaseCheck, error) {
	var metrics string
	err := q.QueryRowContext(ctx, `SELECT metrics FROM models WHERE head = ? AND version = ?`, head, version).Scan(&metrics)
	if err != nil {
		return BaseCheck{}, fmt.Errorf("classify: metrics of %s v%d: %w", head, version, err)
	}
	var recorded Report
	if err := json.Unmarshal([]byte(metrics), &recorded); err != nil {
		return BaseCheck{}, fmt.Errorf("classify: metrics of %s v%d: %w", head, version, err)
	}
	if recorded.Rows == 0 {
		// Trained with --all: there is no held-out figure to compare with.
		return BaseCheck{}, nil
	}
	known := make(map[string]bool, len(current.Labels))
	for _, l := range current.Labels {
		known[l] = true
	}
	var shared []Example
	for _, ex := range baseHeld {
		if known[ex.Label] {
			shared = append(shared, ex)
		}
	}
	c := BaseCheck{Checked: true, Rows: len(shared), Recorded: recorded.MacroF1}
	if len(shared) > 0 {
		c.OnBase = truthMacroF1(Evaluate(current, shared))
	}
	c.Failed = len(shared) == 0 || c.OnBase < c.Recorded-MaxBaseDrop
	return c, nil
}

// baseCheckReason explains why a candidate was stored but not activated
// after a failed BaseCheck, and what the operator can do.
func baseCheckReason(r RetrainResult) string {
	next := fmt.Sprintf("check the base file's labels, or activate v%d anyway with minyi tag rollback --head %s --to %d",
		r.Version, r.Head, r.Version)
	if r.BaseCheck.Rows == 0 {
		return fmt.Sprintf("the base file's held-out rows share no label with v%d, so the file cannot be checked against it; %s",
			r.Previous, next)
	}
	return fmt.Sprintf("v%d scores macro-F1 %.4f on the base file's %d held-out rows of its labels, "+
		"more than %.2f below the %.4f recorded for it when it was stored, so the base file's labels disagree with v%d's; %s",
		r.Previous, r.BaseCheck.OnBase, r.BaseCheck.Rows, MaxBaseDrop, r.BaseCheck.Recorded, r.Previous, next)
}
