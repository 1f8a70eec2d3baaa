package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"minyi/store"
)

// Filter selects records for the auditor's pages. Zero fields select
// everything.
type Filter struct {
	TicketID  int64
	AccountID int64
	Actions   []string
	From, To  time.Time // From inclusive, To exclusive
	Limit     int       // default DefaultLimit, at most MaxLimit
	Offset    int
}

// Limits on the number of records one Query returns.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Query returns the records that match f, newest first. Purged records are
// not returned.
func (l *Log) Query(ctx context.Context, q store.Querier, f Filter) ([]Record, error) {
	return Query(ctx, q, f)
}

// Query returns the records in q that match f, newest first. It needs no
// signing key. Purged records are not returned.
func Query(ctx context.Context, q store.Querier, f Filter) ([]Record, error) {
	var where []string
	var args []any
	if f.TicketID != 0 {
		where = append(where, "ticket_id = ?")
		args = append(args, f.TicketID)
	}
	if f.AccountID != 0 {
		where = append(where, "account_id = ?")
		args = append(args, f.AccountID)
	}
	if len(f.Actions) > 0 {
		where = append(where, "action IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Actions)), ", ")+")")
		for _, a := range f.Actions {
			args = append(args, a)
		}
	}
	if !f.From.IsZero() {
		where = append(where, "occurred_at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "occurred_at < ?")
		args = append(args, f.To.UnixMilli())
	}

	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	args = append(args, limit, max(f.Offset, 0))
	stored, err := selectRecords(ctx, q, cond+" ORDER BY seq DESC LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(stored))
	for i, r := range stored {
		out[i] = r.Record
	}
	return out, nil
}

// storedRecord is a record as read from audit_records, with its leaf salt.
type storedRecord struct {
	Record
	salt []byte
}

// selectRecords reads records matching the SQL condition cond, which may end
// in ORDER BY and LIMIT clauses.
func selectRecords(ctx context.Context, q store.Querier, cond string, args ...any) ([]storedRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, occurred_at, account_id, account_name, role, session_hash, action,
		ticket_id, fields, purpose, result, client_addr, request_id, filter_text, row_count, salt
		FROM audit_records WHERE `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: query records: %w", err)
	}
	defer rows.Close()
	var out []storedRecord
	for rows.Next() {
		var r storedRecord
		var at sql.NullInt64
		var fields string
		err := rows.Scan(&r.Seq, &at, &r.AccountID, &r.AccountName, &r.Role, &r.SessionHash, &r.Action,
			&r.TicketID, &fields, &r.Purpose, &r.Result, &r.ClientAddr, &r.RequestID, &r.Filter, &r.Count, &r.salt)
		if err != nil {
			return nil, fmt.Errorf("audit: query records: %w", err)
		}
		r.Time = store.Time(at)
		if r.Fields, err = decodeFields(fields); err != nil {
			return nil, fmt.Errorf("audit: record %d: %w", r.Seq, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: query records: %w", err)
	}
	return out, nil
}

func encodeFields(fields []string) (string, error) {
	b, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("encode fields: %w", err)
	}
	return string(b), nil
}

func decodeFields(s string) ([]string, error) {
	fields := []string{}
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		return nil, fmt.Errorf("decode fields: %w", err)
	}
	return fields, nil
}
