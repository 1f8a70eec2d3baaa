-- +goose Up
-- Where an item happened: the point in WGS-84 with the system it arrived in
-- (wgs84, gcj02 or bd09), and the place mentions found in its text as a JSON
-- array of {kind, name}.
ALTER TABLE tickets ADD COLUMN lat REAL;
ALTER TABLE tickets ADD COLUMN lon REAL;
ALTER TABLE tickets ADD COLUMN coord_system TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN places TEXT NOT NULL DEFAULT '[]';

-- Duplicate suggestions: ticket_id looks like a duplicate of duplicate_of.
-- status is suggested, merged (the centre merged it) or dismissed.
CREATE TABLE ticket_duplicates (
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    duplicate_of BIGINT NOT NULL REFERENCES tickets(id),
    score        REAL NOT NULL,
    reasons      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'suggested',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, duplicate_of)
);
CREATE INDEX ticket_duplicates_of ON ticket_duplicates (duplicate_of);

-- +goose Down
DROP TABLE ticket_duplicates;
ALTER TABLE tickets DROP COLUMN places;
ALTER TABLE tickets DROP COLUMN coord_system;
ALTER TABLE tickets DROP COLUMN lon;
ALTER TABLE tickets DROP COLUMN lat;
