package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
)

// Options configures a Log.
type Options struct {
	// Key signs checkpoints. A Log without a key can append and query but not
	// sign checkpoints.
	Key *Key
	// CheckpointPath is the file that signed checkpoints are appended to. It
	// must be out of reach of anyone who can write to the database: another
	// mount, another owner. Required with Key.
	CheckpointPath string
	// Logger receives checkpoint messages; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Log appends records to the audit tree and signs checkpoints of it. It is
// safe for concurrent use.
type Log struct {
	key            *Key
	checkpointPath string
	log            *slog.Logger
	now            func() time.Time

	// appended is signalled, without blocking, after each Append, so that a
	// Checkpointer can look at the tree size early. The append may still roll
	// back, so the signal is only a hint.
	appended chan struct{}
	// signMu serialises Checkpoint calls within this process, and fileMu
	// serialises access to the checkpoint file.
	signMu, fileMu sync.Mutex
}

// New returns a Log configured by opts.
func New(opts Options) (*Log, error) {
	if opts.Key != nil && opts.CheckpointPath == "" {
		return nil, errors.New("audit: a signing key needs a checkpoint file path")
	}
	l := &Log{
		key:            opts.Key,
		checkpointPath: opts.CheckpointPath,
		log:            opts.Logger,
		now:            opts.Now,
		appended:       make(chan struct{}, 1),
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Append writes r as the next record of the log in the caller's transaction
// tx and returns its sequence number. The access being recorded must happen in
// the same transaction, so that both commit or neither does: if Append fails,
// the caller must return the error and let the transaction roll back.
//
// On PostgreSQL Append holds a row lock on the tree head until tx ends, so
// concurrent appends wait for each other. Call it late in the transaction and
// commit soon after. tx must run at the READ COMMITTED isolation level (the
// default), so that the hashes written by the previous holder of the lock are
// visible.
func (l *Log) Append(ctx context.Context, tx *store.Tx, r Record) (int64, error) {
	if tx == nil {
		return 0, errors.New("audit: append needs a transaction")
	}
	if r.Time.IsZero() {
		r.Time = l.now()
	}
	r, err := normalize(r)
	if err != nil {
		return 0, err
	}

	var size int64
	if err := tx.QueryRowContext(ctx, lockHeadQuery(tx.DialectName())).Scan(&size); err != nil {
		return 0, fmt.Errorf("audit: read tree head: %w", err)
	}
	r.Seq = size + 1

	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return 0, fmt.Errorf("audit: salt: %w", err)
	}
	data, err := leafData(salt, r)
	if err != nil {
		return 0, err
	}
	hashes, err := tlog.StoredHashes(size, data, hashReader(ctx, tx))
	if err != nil {
		return 0, fmt.Errorf("audit: record %d: stored hashes: %w", r.Seq, err)
	}

	if err := insertHashes(ctx, tx, tlog.StoredHashIndex(0, size), hashes); err != nil {
		return 0, fmt.Errorf("audit: record %d: %w", r.Seq, err)
	}
	if err := insertRecord(ctx, tx, r, salt); err != nil {
		return 0, fmt.Errorf("audit: record %d: %w", r.Seq, err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE audit_head SET size = ? WHERE id = 1 AND size = ?", r.Seq, size)
	if err != nil {
		return 0, fmt.Errorf("audit: record %d: update tree head: %w", r.Seq, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, fmt.Errorf("audit: record %d: tree head moved during append (%d rows, %v)", r.Seq, n, err)
	}

	select {
	case l.appended <- struct{}{}:
	default:
	}
	return r.Seq, nil
}

// lockHeadQuery returns the query that reads the tree size and keeps other
// appenders out until the transaction ends. This is the one place where the
// audit log's SQL differs by dialect. PostgreSQL needs FOR UPDATE; SQLite
// admits one writing transaction at a time already (store begins write
// transactions with BEGIN IMMEDIATE) and has no FOR UPDATE.
func lockHeadQuery(d store.Dialect) string {
	if d == store.Postgres {
		return "SELECT size FROM audit_head WHERE id = 1 FOR UPDATE"
	}
	return "SELECT size FROM audit_head WHERE id = 1"
}

func insertHashes(ctx context.Context, tx *store.Tx, first int64, hashes []tlog.Hash) error {
	var q strings.Builder
	q.WriteString("INSERT INTO audit_hashes (idx, hash) VALUES ")
	args := make([]any, 0, 2*len(hashes))
	for i, h := range hashes {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?)")
		args = append(args, first+int64(i), h[:])
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("insert hashes: %w", err)
	}
	return nil
}

func insertRecord(ctx context.Context, tx *store.Tx, r Record, salt []byte) error {
	fields, err := encodeFields(r.Fields)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_records (seq, occurred_at, account_id, account_name, role,
		session_hash, action, ticket_id, fields, purpose, result, client_addr, request_id, filter_text, row_count, salt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.Time.UnixMilli(), r.AccountID, r.AccountName, r.Role, r.SessionHash, r.Action, r.TicketID,
		fields, r.Purpose, r.Result, r.ClientAddr, r.RequestID, r.Filter, r.Count, salt)
	if err != nil {
		return fmt.Errorf("insert record: %w", err)
	}
	return nil
}

// hashReader reads stored hashes from the audit_hashes table through q.
func hashReader(ctx context.Context, q store.Querier) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return readHashes(ctx, q, indexes)
	})
}

// hashBatch bounds the number of placeholders in one query.
const hashBatch = 500

func readHashes(ctx context.Context, q store.Querier, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += hashBatch {
		batch := indexes[start:min(start+hashBatch, len(indexes))]
		if err := readHashBatch(ctx, q, batch, found); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("audit: stored hash %d not found", idx)
		}
		out[i] = h
	}
	return out, nil
}

func readHashBatch(ctx context.Context, q store.Querier, batch []int64, found map[int64]tlog.Hash) error {
	args := make([]any, len(batch))
	for i, idx := range batch {
		args[i] = idx
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ")
	rows, err := q.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx IN ("+marks+")", args...)
	if err != nil {
		return fmt.Errorf("audit: read hashes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return fmt.Errorf("audit: read hashes: %w", err)
		}
		if len(b) != tlog.HashSize {
			return fmt.Errorf("audit: stored hash %d has %d bytes, want %d", idx, len(b), tlog.HashSize)
		}
		found[idx] = tlog.Hash(b)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: read hashes: %w", err)
	}
	return nil
}

// treeSize returns the number of records in the log.
func treeSize(ctx context.Context, q store.Querier) (int64, error) {
	var size int64
	if err := q.QueryRowContext(ctx, "SELECT size FROM audit_head WHERE id = 1").Scan(&size); err != nil {
		return 0, fmt.Errorf("audit: read tree head: %w", err)
	}
	return size, nil
}

// TreeSize returns the number of records in the log in q, purged ones
// included.
func TreeSize(ctx context.Context, q store.Querier) (int64, error) {
	return treeSize(ctx, q)
}
