package kpi

import (
	"context"

	"minyi/store"
)

// ScanOnly returns f set to compute every KPI by scanning the tickets, the
// reference the rollups are tested against.
func ScanOnly(f Filter) Filter {
	f.scan = true
	return f
}

// UsesRollups reports whether the KPIs for f come from the rollups.
func UsesRollups(ctx context.Context, q store.Querier, f Filter) (bool, error) {
	b, err := f.resolve()
	if err != nil {
		return false, err
	}
	return b.useRollups(ctx, q)
}
