-- +goose Up
-- Evidence a unit attaches to its reply: photos re-encoded without metadata,
-- and PDF documents. replied_at is the time of the reply event they came with.
CREATE TABLE ticket_attachments (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    replied_at   BIGINT NOT NULL,
    idx          INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    account_id   BIGINT,
    actor_name   TEXT NOT NULL,
    unit_id      TEXT,
    UNIQUE (ticket_id, replied_at, idx)
);

-- Units the lead unit invited to co-handle a ticket (协办). An invitation
-- counts only while the ticket stays with lead_unit_id, so a ticket
-- dispatched to another unit leaves the old co-handlers behind.
CREATE TABLE ticket_cohandlers (
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    unit_id      TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    lead_unit_id TEXT NOT NULL,
    invited_by   BIGINT,
    invited_at   BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, unit_id)
);
CREATE INDEX ticket_cohandlers_path ON ticket_cohandlers (unit_path);

-- +goose Down
DROP INDEX ticket_cohandlers_path;
DROP TABLE ticket_cohandlers;
DROP TABLE ticket_attachments;
