package org

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"minyi/profile"
	"minyi/store"
	"minyi/ticket"
)

// ErrNotFound is returned when a unit, officer or account does not exist.
var ErrNotFound = errors.New("org: not found")

// Unit is a node of the unit tree.
type Unit struct {
	ID       string `json:"id"`
	ParentID string `json:"parent_id,omitempty"`
	Path     string `json:"path"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
}

// Officer is a police officer.
type Officer struct {
	ID     string `json:"id"`
	UnitID string `json:"unit_id"`
	Name   string `json:"name"`
	Badge  string `json:"badge"`
}

// Account is a staff account.
type Account struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Role        ticket.Role `json:"role"`
	UnitID      string      `json:"unit_id"`
	UnitPath    string      `json:"unit_path"`
	Disabled    bool        `json:"disabled"`
}

// Actor returns the ticket actor for the account.
func (a Account) Actor() ticket.Actor {
	return ticket.Actor{ID: a.ID, Login: a.Name, Name: a.DisplayName, Role: a.Role, UnitID: a.UnitID, UnitPath: a.UnitPath}
}

// Sync writes the profile's units, officers and accounts to the database.
// Existing rows are updated; accounts keep their tokens and disabled flag.
func Sync(ctx context.Context, db *store.DB, p *profile.Profile) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		for i, u := range unitsParentsFirst(p) {
			var parent any
			if u.Parent != "" {
				parent = u.Parent
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, path, name, kind, sort_order)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, path = excluded.path,
				name = excluded.name, kind = excluded.kind, sort_order = excluded.sort_order`,
				u.ID, parent, p.UnitPath(u.ID), u.Name, u.Kind, i)
			if err != nil {
				return fmt.Errorf("org: sync unit %s: %w", u.ID, err)
			}
		}
		for _, o := range p.Officers {
			_, err := tx.ExecContext(ctx, `INSERT INTO officers (id, unit_id, name, badge) VALUES (?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, name = excluded.name, badge = excluded.badge`,
				o.ID, o.Unit, o.Name, o.Badge)
			if err != nil {
				return fmt.Errorf("org: sync officer %s: %w", o.ID, err)
			}
		}
		for _, a := range p.Accounts {
			_, err := tx.ExecContext(ctx, `INSERT INTO accounts (name, display_name, role, unit_id, created_at)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
				unit_id = excluded.unit_id`,
				a.Name, a.DisplayName, a.Role, a.Unit, time.Now().UnixMilli())
			if err != nil {
				return fmt.Errorf("org: sync account %s: %w", a.Name, err)
			}
		}
		return nil
	})
}

func unitsParentsFirst(p *profile.Profile) []profile.Unit {
	done := map[string]bool{}
	var out []profile.Unit
	for len(out) < len(p.Units) {
		progressed := false
		for _, u := range p.Units {
			if done[u.ID] || (u.Parent != "" && !done[u.Parent]) {
				continue
			}
			done[u.ID] = true
			out = append(out, u)
			progressed = true
		}
		if !progressed {
			break // Validate rejects cycles; this guards against an unvalidated profile
		}
	}
	return out
}

// Units returns every unit in tree order.
func Units(ctx context.Context, q store.Querier) ([]Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(parent_id, ''), path, name, kind FROM units ORDER BY sort_order, id`)
	if err != nil {
		return nil, fmt.Errorf("org: units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Path, &u.Name, &u.Kind); err != nil {
			return nil, fmt.Errorf("org: units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UnitByID returns one unit.
func UnitByID(ctx context.Context, q store.Querier, id string) (Unit, error) {
	var u Unit
	err := q.QueryRowContext(ctx, `SELECT id, COALESCE(parent_id, ''), path, name, kind FROM units WHERE id = ?`, id).
		Scan(&u.ID, &u.ParentID, &u.Path, &u.Name, &u.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, fmt.Errorf("unit %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("org: unit %q: %w", id, err)
	}
	return u, nil
}

// OfficerByID returns one officer.
func OfficerByID(ctx context.Context, q store.Querier, id string) (Officer, error) {
	var o Officer
	err := q.QueryRowContext(ctx, `SELECT id, unit_id, name, badge FROM officers WHERE id = ?`, id).
		Scan(&o.ID, &o.UnitID, &o.Name, &o.Badge)
	if errors.Is(err, sql.ErrNoRows) {
		return Officer{}, fmt.Errorf("officer %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Officer{}, fmt.Errorf("org: officer %q: %w", id, err)
	}
	return o, nil
}

const accountColumns = `a.id, a.name, a.display_name, a.role, a.unit_id, u.path, a.disabled`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var disabled int
	err := row.Scan(&a.ID, &a.Name, &a.DisplayName, &a.Role, &a.UnitID, &a.UnitPath, &disabled)
	a.Disabled = disabled != 0
	return a, err
}

// Accounts lists every account.
func Accounts(ctx context.Context, q store.Querier) ([]Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a JOIN units u ON u.id = a.unit_id ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("org: accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("org: accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountByName returns one account by its sign-in name.
func AccountByName(ctx context.Context, q store.Querier, name string) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("org: account %q: %w", name, err)
	}
	return a, nil
}

// AccountByToken returns the enabled account whose API token is token. Tokens
// are random, so an unsalted SHA-256 lookup is as strong as a password hash
// and costs microseconds per request.
func AccountByToken(ctx context.Context, q store.Querier, token string) (Account, error) {
	if token == "" {
		return Account{}, ErrNotFound
	}
	a, err := scanAccount(q.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts a JOIN units u ON u.id = a.unit_id
		 WHERE a.token_hash = ? AND a.disabled = 0`, hashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("org: token lookup: %w", err)
	}
	return a, nil
}

// IssueToken creates a new API token for the named account, replacing any
// earlier one, and returns it. Only its hash is stored.
func IssueToken(ctx context.Context, db *store.DB, name string) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("org: token: %w", err)
	}
	token := "my_" + hex.EncodeToString(b)
	res, err := db.ExecContext(ctx, `UPDATE accounts SET token_hash = ? WHERE name = ?`, hashToken(token), name)
	if err != nil {
		return "", fmt.Errorf("org: token for %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	return token, nil
}

// CreateAccount adds a staff account.
func CreateAccount(ctx context.Context, db *store.DB, a Account) (Account, error) {
	if !a.Role.Valid() || a.Role == ticket.RoleSystem || a.Role == ticket.RoleCitizen {
		return Account{}, fmt.Errorf("org: account %q: invalid role %q; choose centre, handler, leader, auditor or admin",
			a.Name, a.Role)
	}
	if _, err := UnitByID(ctx, db, a.UnitID); err != nil {
		return Account{}, err
	}
	if a.DisplayName == "" {
		a.DisplayName = a.Name
	}
	_, err := db.ExecContext(ctx, `INSERT INTO accounts (name, display_name, role, unit_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.Name, a.DisplayName, a.Role, a.UnitID, time.Now().UnixMilli())
	if store.IsUniqueViolation(err) {
		return Account{}, fmt.Errorf("org: account %q already exists", a.Name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("org: create account %q: %w", a.Name, err)
	}
	return AccountByName(ctx, db, a.Name)
}

// SetDisabled enables or disables an account; a disabled account's token stops working.
func SetDisabled(ctx context.Context, db *store.DB, name string, disabled bool) error {
	res, err := db.ExecContext(ctx, `UPDATE accounts SET disabled = ? WHERE name = ?`, store.Bool(disabled), name)
	if err != nil {
		return fmt.Errorf("org: disable %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account %q: %w", name, ErrNotFound)
	}
	return nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
