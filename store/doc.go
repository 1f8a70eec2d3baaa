// Package store opens the SQLite or PostgreSQL database, applies the embedded
// migrations and runs transactions. Queries are written once with ? placeholders
// and rewritten for PostgreSQL here, so domain packages keep their SQL beside
// them and stay dialect-neutral. Times are stored as Unix milliseconds in UTC.
package store
