-- +goose Up
-- Staff sign-in: a password (argon2id, PHC string), a TOTP secret with the last
-- time step accepted (so a code works once), and optionally the SHA-256
-- fingerprint of a client certificate that may stand in for TOTP.
ALTER TABLE accounts ADD COLUMN password_hash TEXT;
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN cert_sha256 TEXT;
CREATE UNIQUE INDEX accounts_cert_sha256 ON accounts (cert_sha256);

-- A session exists only after both factors. id_hash is the SHA-256 of the
-- random cookie value; csrf is the synchronizer token of the session's forms.
CREATE TABLE auth_sessions (
    id_hash      TEXT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    method       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_account ON auth_sessions (account_id);

-- A challenge is a sign-in whose password was right and whose second factor
-- is still due. It opens no route.
CREATE TABLE auth_challenges (
    id_hash    TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- Failed sign-in attempts per account ("account:NAME") and per client address
-- ("addr:IP"), shared by every process that uses the database.
CREATE TABLE auth_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- API keys for channel platforms and scripts. key_hash is HMAC-SHA256 of the
-- key under the server's auth key; scopes is a space-separated list of
-- permissions, or "*" for every permission of the account's role.
CREATE TABLE api_keys (
    id         BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    label      TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE auth_failures;
DROP TABLE auth_challenges;
DROP TABLE auth_sessions;
DROP INDEX accounts_cert_sha256;
ALTER TABLE accounts DROP COLUMN cert_sha256;
ALTER TABLE accounts DROP COLUMN totp_last_step;
ALTER TABLE accounts DROP COLUMN totp_secret;
ALTER TABLE accounts DROP COLUMN password_hash;
