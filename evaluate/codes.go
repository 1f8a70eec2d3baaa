package evaluate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"minyi/org"
	"minyi/profile"
	"minyi/store"
)

// ErrNotFound is returned when a code or an evaluation does not exist.
var ErrNotFound = errors.New("evaluate: not found")

// ErrInvalid is returned for a code or evaluation with missing or wrong fields.
var ErrInvalid = errors.New("evaluate: invalid input")

// OwnerType is the kind of owner a code belongs to.
type OwnerType string

// The owner types.
const (
	OwnerOfficer OwnerType = "officer"
	OwnerWindow  OwnerType = "window"
	OwnerPlace   OwnerType = "place"
	OwnerUnit    OwnerType = "unit"
)

// Valid reports whether o is a known owner type.
func (o OwnerType) Valid() bool {
	switch o {
	case OwnerOfficer, OwnerWindow, OwnerPlace, OwnerUnit:
		return true
	}
	return false
}

// Code is a QR code. OwnerID is the officer id for an officer, the unit id
// for a window or a unit, and the place's name for a place, whose UnitID is
// the unit responsible for it.
type Code struct {
	ID         string    `json:"id"`
	OwnerType  OwnerType `json:"owner_type"`
	OwnerID    string    `json:"owner_id"`
	UnitID     string    `json:"unit_id"`
	Label      string    `json:"label,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	ReplacedBy string    `json:"replaced_by,omitempty"`
}

// Revoked reports whether the code no longer works.
func (c Code) Revoked() bool { return !c.RevokedAt.IsZero() }

// codeAlphabet leaves out 0, 1, I, L and O, which people confuse when they
// type a code from a printed sheet.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// codeLength gives about 59 bits, so codes cannot be enumerated.
const codeLength = 12

// NewCodeID returns a random code id.
func NewCodeID() string {
	out := make([]byte, 0, codeLength)
	b := make([]byte, codeLength)
	for len(out) < codeLength {
		_, _ = rand.Read(b)
		for _, c := range b {
			// 248 is the largest multiple of 31 below 256; rejecting the rest keeps letters uniform.
			if c < 248 && len(out) < codeLength {
				out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// ValidCodeID reports whether s has the form of a code id, so that a
// malformed id is rejected before it reaches the database.
func ValidCodeID(s string) bool {
	if len(s) != codeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(codeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

const codeColumns = `id, owner_type, owner_id, unit_id, label, created_at, revoked_at, COALESCE(replaced_by, '')`

func scanCode(row interface{ Scan(...any) error }) (Code, error) {
	var c Code
	var created int64
	var revoked sql.NullInt64
	err := row.Scan(&c.ID, &c.OwnerType, &c.OwnerID, &c.UnitID, &c.Label, &created, &revoked, &c.ReplacedBy)
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.RevokedAt = store.Time(revoked)
	return c, err
}

// NewCode describes a code to create.
type NewCode struct {
	OwnerType OwnerType
	OwnerID   string // officer id, unit id, or a place's name
	UnitID    string // required for a place; derived for the others
	Label     string // optional text printed on the sheet
}

// Create adds a code after checking that its owner exists.
func Create(ctx context.Context, q store.Querier, n NewCode, now time.Time) (Code, error) {
	c := Code{OwnerType: n.OwnerType, OwnerID: strings.TrimSpace(n.OwnerID), UnitID: n.UnitID,
		Label: strings.TrimSpace(n.Label), CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if err := resolveOwnerUnit(ctx, q, &c); err != nil {
		return Code{}, err
	}
	for attempt := 0; ; attempt++ {
		c.ID = NewCodeID()
		_, err := q.ExecContext(ctx, `INSERT INTO codes (id, owner_type, owner_id, unit_id, label, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, c.ID, c.OwnerType, c.OwnerID, c.UnitID, c.Label, c.CreatedAt.UnixMilli())
		if err == nil {
			return c, nil
		}
		if !store.IsUniqueViolation(err) || attempt > 3 {
			return Code{}, fmt.Errorf("evaluate: create code: %w", err)
		}
	}
}

// resolveOwnerUnit checks the owner and fills in the code's unit.
func resolveOwnerUnit(ctx context.Context, q store.Querier, c *Code) error {
	if !c.OwnerType.Valid() {
		return fmt.Errorf("%w: owner type %q is not officer, window, place or unit", ErrInvalid, c.OwnerType)
	}
	if c.OwnerID == "" {
		return fmt.Errorf("%w: the owner is missing", ErrInvalid)
	}
	switch c.OwnerType {
	case OwnerOfficer:
		o, err := org.OfficerByID(ctx, q, c.OwnerID)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		c.UnitID = o.UnitID
	case OwnerWindow, OwnerUnit:
		u, err := org.UnitByID(ctx, q, c.OwnerID)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if c.OwnerType == OwnerWindow && u.Kind != "window" {
			return fmt.Errorf("%w: unit %q is a %s, not a window", ErrInvalid, u.ID, u.Kind)
		}
		c.UnitID = u.ID
	case OwnerPlace:
		if c.UnitID == "" {
			return fmt.Errorf("%w: a place code needs the unit responsible for the place", ErrInvalid)
		}
		if _, err := org.UnitByID(ctx, q, c.UnitID); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if n := len([]rune(c.OwnerID)); n > 100 {
			return fmt.Errorf("%w: the place name has %d characters, the limit is 100", ErrInvalid, n)
		}
	}
	return nil
}

// Get returns one code, revoked or not.
func Get(ctx context.Context, q store.Querier, id string) (Code, error) {
	if !ValidCodeID(id) {
		return Code{}, fmt.Errorf("code %q: %w", id, ErrNotFound)
	}
	c, err := scanCode(q.QueryRowContext(ctx, `SELECT `+codeColumns+` FROM codes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Code{}, fmt.Errorf("code %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Code{}, fmt.Errorf("evaluate: code %q: %w", id, err)
	}
	return c, nil
}

// Filter selects codes for List.
type Filter struct {
	OwnerType      OwnerType
	OwnerID        string
	UnitID         string // the unit itself, not its subtree
	IncludeRevoked bool
}

// List returns the codes matching f, ordered by unit, owner type and owner.
func List(ctx context.Context, q store.Querier, f Filter) ([]Code, error) {
	var where []string
	var args []any
	if f.OwnerType != "" {
		where, args = append(where, "owner_type = ?"), append(args, f.OwnerType)
	}
	if f.OwnerID != "" {
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.UnitID != "" {
		where, args = append(where, "unit_id = ?"), append(args, f.UnitID)
	}
	if !f.IncludeRevoked {
		where = append(where, "revoked_at IS NULL")
	}
	query := `SELECT ` + codeColumns + ` FROM codes`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY unit_id, owner_type, owner_id, created_at"
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluate: list codes: %w", err)
	}
	defer rows.Close()
	var out []Code
	for rows.Next() {
		c, err := scanCode(rows)
		if err != nil {
			return nil, fmt.Errorf("evaluate: list codes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Revoke stops a code from working. Revoking a revoked code changes nothing.
func Revoke(ctx context.Context, q store.Querier, id string, now time.Time) (Code, error) {
	c, err := Get(ctx, q, id)
	if err != nil {
		return Code{}, err
	}
	if c.Revoked() {
		return c, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE codes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
		now.UnixMilli(), id); err != nil {
		return Code{}, fmt.Errorf("evaluate: revoke code %q: %w", id, err)
	}
	return Get(ctx, q, id)
}

// Reissue revokes a code and creates a new one for the same owner, for a
// sheet that was lost or copied. The old code records its replacement.
func Reissue(ctx context.Context, db *store.DB, id string, now time.Time) (Code, error) {
	var out Code
	err := db.InTx(ctx, func(tx *store.Tx) error {
		old, err := Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.ReplacedBy != "" {
			return fmt.Errorf("%w: code %s was already reissued as %s", ErrInvalid, old.ID, old.ReplacedBy)
		}
		next, err := Create(ctx, tx, NewCode{OwnerType: old.OwnerType, OwnerID: old.OwnerID, UnitID: old.UnitID,
			Label: old.Label}, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE codes SET revoked_at = COALESCE(revoked_at, ?), replaced_by = ? WHERE id = ?`,
			now.UnixMilli(), next.ID, old.ID); err != nil {
			return fmt.Errorf("evaluate: reissue code %q: %w", id, err)
		}
		out = next
		return nil
	})
	return out, err
}

// EnsureCodes creates a code for every officer and every window of the
// profile that has no working code yet, and returns how many it created. It
// is idempotent, so the demo can call it at every start.
func EnsureCodes(ctx context.Context, db *store.DB, p *profile.Profile) (int, error) {
	type owner struct {
		t  OwnerType
		id string
	}
	var owners []owner
	for _, o := range p.Officers {
		owners = append(owners, owner{OwnerOfficer, o.ID})
	}
	for _, u := range p.Units {
		if u.Kind == "window" {
			owners = append(owners, owner{OwnerWindow, u.ID})
		}
	}
	created := 0
	err := db.InTx(ctx, func(tx *store.Tx) error {
		created = 0 // InTx may run this again
		existing := map[owner]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT owner_type, owner_id FROM codes WHERE revoked_at IS NULL`)
		if err != nil {
			return fmt.Errorf("evaluate: ensure codes: %w", err)
		}
		for rows.Next() {
			var o owner
			if err := rows.Scan(&o.t, &o.id); err != nil {
				rows.Close()
				return fmt.Errorf("evaluate: ensure codes: %w", err)
			}
			existing[o] = true
		}
		rows.Close()
		now := time.Now()
		for _, o := range owners {
			if existing[o] {
				continue
			}
			if _, err := Create(ctx, tx, NewCode{OwnerType: o.t, OwnerID: o.id}, now); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}

// Owner is what a code's page shows about whom or where it belongs to.
type Owner struct {
	Code        Code
	UnitID      string
	UnitPath    string
	UnitName    string
	OfficerID   string
	OfficerName string
	Badge       string
	Place       string
}

// Title returns the one-line description of the owner, for example
// "东关派出所 · 民警 郑波 · 警号 124153".
func (o Owner) Title() string {
	parts := []string{o.UnitName}
	switch {
	case o.OfficerName != "":
		parts = append(parts, "民警 "+o.OfficerName)
		if o.Badge != "" {
			parts = append(parts, "警号 "+o.Badge)
		}
	case o.Place != "":
		parts = append(parts, o.Place)
	}
	if o.Code.Label != "" {
		parts = append(parts, o.Code.Label)
	}
	return strings.Join(parts, " · ")
}

// Resolve returns the owner of a code, revoked or not.
func Resolve(ctx context.Context, q store.Querier, id string) (Owner, error) {
	c, err := Get(ctx, q, id)
	if err != nil {
		return Owner{}, err
	}
	return ResolveCode(ctx, q, c)
}

// ResolveCode returns the owner of a code already loaded.
func ResolveCode(ctx context.Context, q store.Querier, c Code) (Owner, error) {
	o := Owner{Code: c, UnitID: c.UnitID}
	if c.OwnerType == OwnerOfficer {
		off, err := org.OfficerByID(ctx, q, c.OwnerID)
		if err != nil {
			return Owner{}, fmt.Errorf("evaluate: owner of code %s: %w", c.ID, err)
		}
		o.OfficerID, o.OfficerName, o.Badge, o.UnitID = off.ID, off.Name, off.Badge, off.UnitID
	}
	if c.OwnerType == OwnerPlace {
		o.Place = c.OwnerID
	}
	u, err := org.UnitByID(ctx, q, o.UnitID)
	if err != nil {
		return Owner{}, fmt.Errorf("evaluate: owner of code %s: %w", c.ID, err)
	}
	o.UnitName, o.UnitPath = u.Name, u.Path
	return o, nil
}

// Owners returns the owners of the codes matching f, for printing sheets.
func Owners(ctx context.Context, q store.Querier, f Filter) ([]Owner, error) {
	codes, err := List(ctx, q, f)
	if err != nil {
		return nil, err
	}
	out := make([]Owner, 0, len(codes))
	for _, c := range codes {
		o, err := ResolveCode(ctx, q, c)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
