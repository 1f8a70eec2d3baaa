-- +goose Up
-- Units form a tree. path is the chain of ids from the root, "/bureau/east/s1/",
-- so a subtree is a prefix match in Go and in SQL.
CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES units(id),
    path       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE officers (
    id      TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    name    TEXT NOT NULL,
    badge   TEXT NOT NULL UNIQUE
);

CREATE TABLE accounts (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    unit_id      TEXT NOT NULL REFERENCES units(id),
    token_hash   TEXT UNIQUE,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

CREATE TABLE tickets (
    id                  BIGSERIAL PRIMARY KEY,
    tracking_code       TEXT NOT NULL UNIQUE,
    channel             TEXT NOT NULL,
    external_id         TEXT,
    kind                TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL DEFAULT '',
    place               TEXT NOT NULL DEFAULT '',
    code_id             TEXT,
    officer_id          TEXT,
    citizen_key         TEXT,
    state               TEXT NOT NULL,
    unit_id             TEXT REFERENCES units(id),
    unit_path           TEXT NOT NULL DEFAULT '',
    tag                 TEXT NOT NULL DEFAULT '',
    tag_confidence      DOUBLE PRECISION NOT NULL DEFAULT 0,
    tag_source          TEXT NOT NULL DEFAULT '',
    route_source        TEXT NOT NULL DEFAULT '',
    triage_reason       TEXT NOT NULL DEFAULT '',
    priority            TEXT NOT NULL DEFAULT 'normal',
    urgent              INTEGER NOT NULL DEFAULT 0,
    supervised          INTEGER NOT NULL DEFAULT 0,
    supervise_due       BIGINT,
    extension           TEXT NOT NULL DEFAULT '',
    overdue             INTEGER NOT NULL DEFAULT 0,
    received_at         BIGINT NOT NULL,
    dispatched_at       BIGINT,
    accept_due          BIGINT,
    accepted_at         BIGINT,
    reply_due           BIGINT,
    replied_at          BIGINT,
    reviewed_at         BIGINT,
    callback_due        BIGINT,
    called_back_at      BIGINT,
    closed_at           BIGINT,
    ended_at            BIGINT,
    reply               TEXT NOT NULL DEFAULT '',
    rectified           INTEGER NOT NULL DEFAULT 0,
    needs_rectification INTEGER NOT NULL DEFAULT 0,
    callback_result     TEXT NOT NULL DEFAULT '',
    callback_attempts   INTEGER NOT NULL DEFAULT 0,
    merged_into         BIGINT,
    reopen_count        INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
-- NULL external ids never collide, so only channel items with an id are deduplicated.
CREATE UNIQUE INDEX tickets_channel_external ON tickets (channel, external_id);
CREATE INDEX tickets_unit_path_state ON tickets (unit_path, state);
CREATE INDEX tickets_state ON tickets (state);
CREATE INDEX tickets_received_at ON tickets (received_at);
CREATE INDEX tickets_reply_due ON tickets (reply_due);
CREATE INDEX tickets_citizen_key ON tickets (citizen_key);

CREATE TABLE ticket_events (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    unit_id     TEXT,
    reason      TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_action_at ON ticket_events (action, at);

-- One row per prediction head (tag, kind, …) of a ticket.
CREATE TABLE ticket_tags (
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    head       TEXT NOT NULL,
    tag        TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, head)
);

-- Trained tagging models, every version kept; one active version per head.
CREATE TABLE models (
    id         BIGSERIAL PRIMARY KEY,
    head       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    method     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0,
    metrics    TEXT NOT NULL DEFAULT '{}',
    data       BYTEA NOT NULL,
    UNIQUE (head, version)
);

-- Key-value settings staff change at run time, and markers such as the demo flag.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE models;
DROP TABLE ticket_tags;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE accounts;
DROP TABLE officers;
DROP TABLE units;
