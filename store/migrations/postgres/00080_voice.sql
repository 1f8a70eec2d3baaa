-- +goose Up
-- Voice recordings of citizen submissions. A recording identifies its
-- speaker, so it is personal data and only its ciphertext is stored: sealed
-- under the key key_id with associated data that binds it to its form key
-- while staged, and to its ticket once the form is sent (see privacy/blob.go).
-- A staged recording has form_key and no ticket_id; one form and one ticket
-- each keep at most one recording.
CREATE TABLE voice_recordings (
    id          BIGSERIAL PRIMARY KEY,
    form_key    TEXT NOT NULL UNIQUE,
    ticket_id   BIGINT UNIQUE REFERENCES tickets(id),
    key_id      TEXT NOT NULL,
    ciphertext  BYTEA NOT NULL,
    duration_ms INTEGER NOT NULL,
    recognised  INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

-- A ticket sent with a recording and no text waits in triage until staff
-- type what the citizen said.
ALTER TABLE tickets ADD COLUMN needs_transcription INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_needs_transcription ON tickets (received_at) WHERE needs_transcription = 1;

-- +goose Down
DROP INDEX tickets_needs_transcription;
ALTER TABLE tickets DROP COLUMN needs_transcription;
DROP TABLE voice_recordings;
