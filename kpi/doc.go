// Package kpi defines minyi's key performance indicators once. Each KPI is one
// function whose doc comment gives its formula, its denominator and what it
// leaves out. Compute gathers them into a Report, which the CLI, the API and
// the dashboards print as it is.
//
// Every KPI reads the tickets table. A Filter picks the tickets by calendar
// dates in the deployment's zone and by a unit subtree. Each KPI documents the
// timestamp that puts a ticket into the date range. A rate is a number in
// [0, 1], or null in JSON when its denominator is 0.
//
// NOTE: every call scans the matching tickets, and the percentiles are computed
// in Go over the fetched durations. Rollup tables will replace the scans at
// scale.
//
// NOTE: the officer satisfaction rate (ratings of officers over all officer
// ratings) needs the evaluations that the evaluate package will store. It is
// not in the Report until those evaluations exist.
package kpi

import _ "time/tzdata" // the default zone must load on hosts without zoneinfo
