package classify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"minyi/store"
)

// ErrNoModel is returned when a head has no active model.
var ErrNoModel = errors.New("classify: no active model")

// Save stores m as a new version of head, with metrics as its evaluation, and
// makes it the head's only active version. Versions count up from 1 per head.
// Given a *store.DB, Save runs in a transaction of its own; given a *store.Tx
// it runs in that one. Two concurrent Saves of one head cannot both succeed,
// because (head, version) is unique.
func Save(ctx context.Context, q store.Querier, head string, m *Model, metrics Report) (int, error) {
	return saveVersion(ctx, q, head, m, metrics, true)
}

// saveVersion stores m as a new version of head and, when activate is true,
// makes it the head's only active version.
func saveVersion(ctx context.Context, q store.Querier, head string, m *Model, metrics Report, activate bool) (int, error) {
	if db, ok := q.(*store.DB); ok {
		var version int
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			version, err = saveVersion(ctx, tx, head, m, metrics, activate)
			return err
		})
		return version, err
	}
	data, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	report, err := json.Marshal(metrics)
	if err != nil {
		return 0, fmt.Errorf("classify: save %s: encode metrics: %w", head, err)
	}
	var last int
	err = q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM models WHERE head = ?`, head).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("classify: save %s: %w", head, err)
	}
	if activate {
		if _, err := q.ExecContext(ctx, `UPDATE models SET active = 0 WHERE head = ? AND active <> 0`, head); err != nil {
			return 0, fmt.Errorf("classify: save %s: deactivate: %w", head, err)
		}
	}
	_, err = q.ExecContext(ctx,
		`INSERT INTO models (head, version, method, created_at, active, metrics, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		head, last+1, m.Method, store.Millis(time.Now()), store.Bool(activate), string(report), data)
	if err != nil {
		return 0, fmt.Errorf("classify: save %s v%d: %w", head, last+1, err)
	}
	return last + 1, nil
}

// ActiveVersion returns the version number of head's active model, or
// ErrNoModel.
func ActiveVersion(ctx context.Context, q store.Querier, head string) (int, error) {
	var version int
	err := q.QueryRowContext(ctx,
		`SELECT version FROM models WHERE head = ? AND active <> 0 ORDER BY version DESC LIMIT 1`, head).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w for head %q", ErrNoModel, head)
	}
	if err != nil {
		return 0, fmt.Errorf("classify: active version of %s: %w", head, err)
	}
	return version, nil
}

// LoadActive loads head's active model and returns it with its version, or
// ErrNoModel.
func LoadActive(ctx context.Context, q store.Querier, head string) (*Model, int, error) {
	var (
		version int
		data    []byte
	)
	err := q.QueryRowContext(ctx,
		`SELECT version, data FROM models WHERE head = ? AND active <> 0 ORDER BY version DESC LIMIT 1`, head).
		Scan(&version, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("%w for head %q", ErrNoModel, head)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("classify: load %s: %w", head, err)
	}
	m := new(Model)
	if err := m.UnmarshalBinary(data); err != nil {
		return nil, 0, fmt.Errorf("classify: load %s v%d: %w", head, version, err)
	}
	return m, version, nil
}
