-- +goose Up
-- Key check values of the personal-data keys: for each AEAD key id
-- ("aead/k1"), the blind-index key ("blind_index") and the progress key
-- ("progress"), the hex HMAC-SHA256 of a fixed label under that key, never
-- the key itself. A process compares its key file with these rows at start
-- and refuses keys that differ, so that no server seals data that the other
-- servers of the same database cannot read (package privacy, VerifyKeys).
CREATE TABLE key_checks (
    name        TEXT PRIMARY KEY,
    check_value TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE key_checks;
