-- +goose Up
-- The vault holds a ticket's personal data, one encrypted value per field.
-- ciphertext is sealed under the key key_id with the ticket id and the field
-- name as associated data, so a value copied to another row does not decrypt.
CREATE TABLE vault (
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    field      TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, field)
);
-- Key rotation looks for rows not on the primary key.
CREATE INDEX vault_key_id ON vault (key_id);

-- Messages the contact relay sent to a citizen, shown on their progress page.
-- The citizen's number is never stored here.
CREATE TABLE relay_messages (
    id        BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    at        BIGINT NOT NULL,
    text      TEXT NOT NULL
);
CREATE INDEX relay_messages_ticket ON relay_messages (ticket_id, id);

-- +goose Down
DROP TABLE relay_messages;
DROP TABLE vault;
