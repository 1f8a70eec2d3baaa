// Package kpi defines minyi's key performance indicators once. Each KPI is one
// function whose doc comment gives its formula, its denominator and what it
// leaves out. Compute gathers them into a Report, which the CLI, the API and
// the dashboards print as it is.
//
// A Filter picks the tickets by calendar dates in the deployment's zone and by
// a unit subtree. Each KPI documents the timestamp that puts a ticket into the
// date range. A rate is a number in [0, 1], or null in JSON when its
// denominator is 0.
//
// The counts behind the rates, the ticket counts, CountBy and Trend come from
// the rollup table kpi_daily: per metric, calendar day, unit path and
// dimension value, the number of tickets or call-back events that count. The
// workflow keeps it exact in the transaction that writes a ticket or an event
// (TrackInsert, BeforeUpdate and TicketUpdate.Apply, TrackEvent), by moving
// the ticket's contributions from its old row to its new one. Rebuild
// recomputes it from the tickets ("minyi kpi --rebuild"). The rollups' days
// are in one zone, recorded with them, and a Filter in another zone, or a
// database whose rollups were never built, scans the tickets instead, with the
// same results. Three parts still read the tickets on every call, through
// indexes that keep the reads to the rows involved:
//
//   - CycleHours, because exact percentiles need every duration. It reads the
//     tickets closed in the range, and the whole history without a range.
//   - The tickets not yet signed for whose accept deadline passed by
//     Filter.Now (ResponseRate), and those not yet replied whose reply
//     deadline passed (DailyCompletionRate), because they depend on Now.
//
// The scans that computed every KPI before the rollups stay beside them. Tests
// compare both ways on the same tickets.
//
// NOTE: the officer satisfaction rate (ratings of officers over all officer
// ratings) needs the evaluations that the evaluate package will store. It is
// not in the Report until those evaluations exist.
package kpi

import _ "time/tzdata" // the default zone must load on hosts without zoneinfo
