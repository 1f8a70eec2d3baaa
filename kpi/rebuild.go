package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"minyi/store"
	"minyi/ticket"
)

// RebuildResult counts what Rebuild wrote.
type RebuildResult struct {
	Tickets   int64 `json:"tickets"`
	Callbacks int64 `json:"callbacks"`
	Rows      int   `json:"rows"`
}

// Rebuild recomputes every rollup row from the tickets and their call-back
// events, with calendar days in loc, and records loc as the rollups' zone.
// KPIs for a Filter in another zone keep scanning the tickets. Run it once
// after the migration that adds the rollups to a database that already has
// tickets, and after changing the profile's zone. On PostgreSQL it locks the
// tickets and events against writes until it commits, so no ticket write
// can fall between the read and the new rows.
func Rebuild(ctx context.Context, db *store.DB, loc *time.Location) (RebuildResult, error) {
	if loc == nil {
		return RebuildResult{}, fmt.Errorf("kpi: rebuild: no time zone given")
	}
	var res RebuildResult
	err := db.InTx(ctx, func(tx *store.Tx) error {
		res = RebuildResult{}
		if db.Dialect == store.Postgres {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE tickets, ticket_events IN SHARE MODE`); err != nil {
				return fmt.Errorf("kpi: rebuild: %w", err)
			}
		}
		c := contributions{}
		if err := eachRow(ctx, tx, `SELECT `+ticketFactColumns+` FROM tickets`, nil,
			func(row interface{ Scan(...any) error }) error {
				f, err := scanTicketFacts(row)
				if err != nil {
					return err
				}
				c.addTicket(f, loc, 1)
				res.Tickets++
				return nil
			}); err != nil {
			return fmt.Errorf("kpi: rebuild: tickets: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT e.at, e.details, t.unit_path FROM ticket_events e
			JOIN tickets t ON t.id = e.ticket_id WHERE e.action = ?`, []any{string(ticket.ActCallback)},
			func(row interface{ Scan(...any) error }) error {
				var at int64
				var details, unitPath string
				if err := row.Scan(&at, &details, &unitPath); err != nil {
					return err
				}
				c.addCallback(at, details, unitPath, loc, 1)
				res.Callbacks++
				return nil
			}); err != nil {
			return fmt.Errorf("kpi: rebuild: call-backs: %w", err)
		}

		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_daily`); err != nil {
			return fmt.Errorf("kpi: rebuild: %w", err)
		}
		n, err := insertRollups(ctx, tx, c)
		if err != nil {
			return err
		}
		res.Rows = n
		_, err = tx.ExecContext(ctx, `INSERT INTO kpi_rollup_state (id, zone, built_at) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET zone = excluded.zone, built_at = excluded.built_at`,
			loc.String(), time.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("kpi: rebuild: state: %w", err)
		}
		return nil
	})
	return res, err
}

// insertRollups writes the non-zero counts of c into an empty kpi_daily, 200
// rows per statement, and returns how many rows it wrote.
func insertRollups(ctx context.Context, tx *store.Tx, c contributions) (int, error) {
	const perStatement = 200
	var sb strings.Builder
	args := make([]any, 0, 5*perStatement)
	rows, written := 0, 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("kpi: rebuild: insert: %w", err)
		}
		written += rows
		sb.Reset()
		args, rows = args[:0], 0
		return nil
	}
	for k, n := range c {
		if n == 0 {
			continue
		}
		if rows == 0 {
			sb.WriteString(`INSERT INTO kpi_daily (metric, day, unit_path, dim, n) VALUES `)
		} else {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, k.metric, k.day, k.unitPath, k.dim, n)
		if rows++; rows == perStatement {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	if err := flush(); err != nil {
		return written, err
	}
	return written, nil
}

// eachRow runs query and calls fn for every row.
func eachRow(ctx context.Context, q store.Querier, query string, args []any,
	fn func(row interface{ Scan(...any) error }) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
