-- +goose Up
-- QR codes. owner_type is officer, window, place or unit; owner_id is the
-- officer id, the unit id, or the place's name. A code carries no personal
-- data: the page resolves the owner from these rows at every scan.
CREATE TABLE codes (
    id          TEXT PRIMARY KEY,
    owner_type  TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    unit_id     TEXT NOT NULL REFERENCES units(id),
    label       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    replaced_by TEXT
);
CREATE INDEX codes_owner ON codes (owner_type, owner_id);
CREATE INDEX codes_unit ON codes (unit_id);

-- Ratings and praise of officers, windows, places and units. They are not
-- tickets. device_hash is a hash of the citizen's device cookie, kept only
-- to allow one rating per device per officer per period.
CREATE TABLE evaluations (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL,
    code_id             TEXT,
    officer_id          TEXT,
    unit_id             TEXT NOT NULL REFERENCES units(id),
    unit_path           TEXT NOT NULL,
    rating              TEXT NOT NULL DEFAULT '',
    comment             TEXT NOT NULL DEFAULT '',
    device_hash         TEXT NOT NULL DEFAULT '',
    form_key            TEXT UNIQUE,
    at                  BIGINT NOT NULL,
    complaint_ticket_id BIGINT REFERENCES tickets(id)
);
CREATE INDEX evaluations_officer ON evaluations (officer_id, at);
CREATE INDEX evaluations_unit ON evaluations (unit_path, at);
CREATE INDEX evaluations_device ON evaluations (device_hash, officer_id, code_id, at);

-- Idempotency keys of citizen forms: one ticket per key, and a second
-- request with the same key and a different body is rejected.
CREATE TABLE citizen_forms (
    form_key   TEXT PRIMARY KEY,
    body_hash  TEXT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets(id),
    latitude   DOUBLE PRECISION,
    longitude  DOUBLE PRECISION,
    created_at BIGINT NOT NULL
);

-- Photos of citizen submissions, re-encoded without EXIF. A photo is staged
-- under its form key when uploaded and gets its ticket when the form is sent.
CREATE TABLE citizen_photos (
    id           BIGSERIAL PRIMARY KEY,
    form_key     TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    ticket_id    BIGINT REFERENCES tickets(id),
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (form_key, idx)
);
CREATE INDEX citizen_photos_ticket ON citizen_photos (ticket_id);

-- +goose Down
DROP TABLE citizen_photos;
DROP TABLE citizen_forms;
DROP TABLE evaluations;
DROP TABLE codes;
