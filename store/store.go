package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by Get helpers when no row matches.
var ErrNotFound = errors.New("not found")

// DB is an open database. SQLite gets one connection for writes, because
// SQLite admits one writer at a time, and a pool for reads; PostgreSQL uses one
// pool for both.
type DB struct {
	Dialect Dialect
	DSN     string
	write   *sql.DB
	read    *sql.DB
	rebound sync.Map // query text -> PostgreSQL text
}

// Open connects to dsn, which is "sqlite:PATH" or a postgres:// URL, and applies
// the migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate connects to dsn without touching the schema.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, dsn, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("store: unsupported database %q: use sqlite:PATH or a postgres:// URL", redact(dsn))
}

// SQLite settings, chosen so that an acknowledged write survives a crash and a
// power cut: WAL with synchronous=FULL syncs the log on every commit, so a
// committed transaction is on disk before the caller hears of it.
// secure_delete zeroes freed pages, so a deleted or re-encrypted value of
// personal data does not linger in the file.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)" +
	"&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_txlock=immediate"

// Readers only need to wait for the writer and enforce nothing.
const sqliteReadPragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"

func openSQLite(ctx context.Context, dsn, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: sqlite: empty path, use sqlite:FILE")
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	w, err := sql.Open("sqlite", "file:"+path+sep+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", "file:"+path+sep+sqliteReadPragmas)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	r.SetMaxOpenConns(max(2, runtime.NumCPU()))
	db := &DB{Dialect: SQLite, DSN: dsn, write: w, read: r}
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	p.SetMaxOpenConns(16)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("store: postgres %s: %w", redact(dsn), err)
	}
	// PostgreSQL's defaults (fsync=on, synchronous_commit=on) already make a
	// commit durable before it returns; minyi relies on them and does not lower them.
	return &DB{Dialect: Postgres, DSN: dsn, write: p, read: p}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// SQL returns the writer pool, for tools such as migrations that need a *sql.DB.
func (db *DB) SQL() *sql.DB { return db.write }

// Rebind rewrites ? placeholders to $1, $2 … for PostgreSQL. Queries must not
// contain a literal question mark.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	if v, ok := db.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	db.rebound.Store(q, out)
	return out
}

// Querier is what both DB and Tx offer for running queries.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	Rebind(q string) string
	DialectName() Dialect
}

// ExecContext runs a write outside a transaction.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.Rebind(q), args...)
}

// QueryContext runs a read on the read pool.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRowContext runs a one-row read on the read pool.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.Rebind(q), args...)
}

// DialectName returns the dialect.
func (db *DB) DialectName() Dialect { return db.Dialect }

// Tx is a write transaction.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// Rebind rewrites placeholders for the transaction's dialect.
func (tx *Tx) Rebind(q string) string { return tx.db.Rebind(q) }

// DialectName returns the dialect.
func (tx *Tx) DialectName() Dialect { return tx.db.Dialect }

// InTx runs fn in a write transaction and commits it if fn returns nil. A
// failure that isBusy accepts runs fn again, up to five times in all: on
// SQLite a reader checkpointing the WAL can briefly hold the lock, and on
// PostgreSQL two transactions can deadlock on rows they lock in opposite
// orders. fn must therefore start from scratch on every call.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.inTxOnce(ctx, fn)
		if err == nil || !isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
	}
	return err
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// isBusy reports whether a transaction failed only because of another one:
// SQLite's busy database, or PostgreSQL's deadlock (40P01) or serialization
// failure (40001), after which the server has rolled the transaction back.
func isBusy(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	s := err.Error()
	return strings.Contains(s, "database is locked") || strings.Contains(s, "SQLITE_BUSY")
}

// InsertID inserts a row and returns its generated id column "id". SQLite and
// PostgreSQL both accept RETURNING.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on either
// database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") ||
		strings.Contains(s, "duplicate key value")
}

// Millis converts t to Unix milliseconds; the zero time becomes NULL.
func Millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Time converts nullable Unix milliseconds to a UTC time.
func Time(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// Bool converts b to the 0/1 integer both databases store.
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
