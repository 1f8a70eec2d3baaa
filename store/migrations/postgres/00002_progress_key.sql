-- +goose Up
-- Keyed hash of (tracking code, last four digits of the citizen's phone), so
-- the progress page can check a citizen's claim without the encrypted number.
ALTER TABLE tickets ADD COLUMN progress_key TEXT;

-- +goose Down
ALTER TABLE tickets DROP COLUMN progress_key;
