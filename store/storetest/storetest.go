// Package storetest gives tests a fresh, migrated database of each dialect.
// SQLite databases are files in the test's temporary folder. PostgreSQL
// databases are schemas of their own in the server named by
// MINYI_TEST_POSTGRES, dropped when the test ends, so parallel tests and
// packages never share tables.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"minyi/store"
)

// PostgresEnv names the variable holding the PostgreSQL server URL for tests.
const PostgresEnv = "MINYI_TEST_POSTGRES"

// Each runs fn once on SQLite and once on PostgreSQL, as subtests named
// "sqlite" and "postgres". Without MINYI_TEST_POSTGRES the PostgreSQL subtest
// is skipped, unless MINYI_TEST_REQUIRE_POSTGRES is set, when it fails.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated SQLite database in a temporary file.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "minyi.db")
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a migrated PostgreSQL database in a new schema.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	schema := "t_" + randomHex(8)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		drop, err := sql.Open("pgx", dsn)
		if err == nil {
			_, _ = drop.Exec("DROP SCHEMA " + schema + " CASCADE")
			drop.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatalf("open postgres schema %s: %v", schema, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN returns the test server URL or skips the test when none is set.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		if os.Getenv("MINYI_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("%s is not set but MINYI_TEST_REQUIRE_POSTGRES is", PostgresEnv)
		}
		t.Skipf("%s is not set; PostgreSQL tests skipped", PostgresEnv)
	}
	return dsn
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
