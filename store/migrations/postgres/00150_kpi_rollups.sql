-- +goose Up
-- Daily KPI rollups, kept by the workflow in the transaction that writes a
-- ticket or a call-back event (package kpi documents each metric). day is the
-- calendar date, YYYY-MM-DD, in the zone of kpi_rollup_state; n may drop to 0
-- when a ticket moves to another day or unit.
CREATE TABLE kpi_daily (
    metric    TEXT NOT NULL,
    day       TEXT COLLATE "C" NOT NULL,
    unit_path TEXT NOT NULL,
    dim       TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (metric, day, unit_path, dim)
);

-- The zone the rollups' days are in. Without this row the rollups are not
-- built, the workflow does not keep them, and every KPI scans the tickets.
-- A new database starts with built, empty rollups in Asia/Shanghai. A
-- database with tickets needs "minyi kpi --rebuild", which also sets the
-- profile's zone.
CREATE TABLE kpi_rollup_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    zone     TEXT NOT NULL,
    built_at BIGINT NOT NULL
);
INSERT INTO kpi_rollup_state (id, zone, built_at)
SELECT 1, 'Asia/Shanghai', 0 WHERE NOT EXISTS (SELECT 1 FROM tickets);

-- The KPIs that still read the tickets. Cycle hours read the step times of
-- the tickets closed in a range, all of them in this index, so the table rows
-- stay unread. The tickets whose accept or reply deadline may still pass
-- depend on the time of the query, and their partial indexes hold only the
-- tickets not yet signed for or not yet replied.
CREATE INDEX tickets_closed_cycle ON tickets (state, closed_at, unit_path, received_at, dispatched_at, accepted_at,
    replied_at, reviewed_at, called_back_at);
CREATE INDEX tickets_awaiting_accept ON tickets (dispatched_at) WHERE accepted_at IS NULL AND accept_due IS NOT NULL;
CREATE INDEX tickets_awaiting_reply ON tickets (reply_due) WHERE replied_at IS NULL;

-- +goose Down
DROP INDEX tickets_awaiting_reply;
DROP INDEX tickets_awaiting_accept;
DROP INDEX tickets_closed_cycle;
DROP TABLE kpi_rollup_state;
DROP TABLE kpi_daily;
