-- +goose Up
-- The key that sealed an account's TOTP secret. NULL marks a secret written
-- before sealing, still in clear: the next sign-in or key rotation seals it.
ALTER TABLE accounts ADD COLUMN totp_key_id TEXT;

-- Evaluations per client address (a keyed hash of the IPv4 address or the
-- IPv6 /64) per officer or code in one fixed window, so a script that drops
-- its device cookie still meets a cap that all processes share.
CREATE TABLE evaluation_address_counts (
    address_hash TEXT NOT NULL,
    owner        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (address_hash, owner, kind, window_start)
);
CREATE INDEX evaluation_address_counts_window ON evaluation_address_counts (window_start);

-- +goose Down
DROP INDEX evaluation_address_counts_window;
DROP TABLE evaluation_address_counts;
ALTER TABLE accounts DROP COLUMN totp_key_id;
