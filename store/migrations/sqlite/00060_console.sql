-- +goose Up
-- An urgent ticket stays on every open centre page until one member of the
-- centre acknowledges it; the first acknowledgement is kept.
CREATE TABLE urgent_acks (
    ticket_id  BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    at         BIGINT NOT NULL
);
-- The alert poll of every centre page looks up urgent tickets a few times a
-- minute, so it must not scan the tickets table.
CREATE INDEX tickets_urgent ON tickets (urgent, received_at);

-- +goose Down
DROP INDEX tickets_urgent;
DROP TABLE urgent_acks;
