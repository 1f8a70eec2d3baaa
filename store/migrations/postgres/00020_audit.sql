-- +goose Up
-- The audit log is an append-only Merkle tree (RFC 6962 hashing). audit_head
-- holds the tree size and serialises appends, audit_hashes holds the tree's
-- stored hashes in golang.org/x/mod/sumdb/tlog's index order, and
-- audit_records holds each record with the salt of its leaf. Retention may
-- delete rows of audit_records; the hashes stay, so the proofs stay valid.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE audit_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE audit_records (
    seq          BIGINT PRIMARY KEY,
    occurred_at  BIGINT NOT NULL,
    account_id   BIGINT NOT NULL,
    account_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    action       TEXT NOT NULL,
    ticket_id    BIGINT NOT NULL,
    fields       TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    result       TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    filter_text  TEXT NOT NULL,
    row_count    BIGINT NOT NULL,
    salt         BYTEA NOT NULL
);
CREATE INDEX audit_records_time ON audit_records (occurred_at);
CREATE INDEX audit_records_ticket ON audit_records (ticket_id, seq);
CREATE INDEX audit_records_account ON audit_records (account_id, occurred_at);
CREATE INDEX audit_records_action ON audit_records (action, occurred_at);

-- A copy of the signed checkpoints for convenience. The copy that counts is
-- the checkpoint file outside the database.
CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY,
    root       BYTEA NOT NULL,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE audit_checkpoints;
DROP TABLE audit_records;
DROP TABLE audit_hashes;
DROP TABLE audit_head;
