package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

func TestKPIRebuildCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Rows inserted past the workflow leave the rollups behind, as in a
		// database that had tickets before the rollups existed.
		for i, state := range []string{"triage", "closed", "withdrawn"} {
			_, err := db.ExecContext(ctx, `INSERT INTO tickets (tracking_code, channel, state, received_at,
				closed_at, created_at, updated_at) VALUES (?, 'qr', ?, ?, ?, 1, 1)`,
				"K"+strings.Repeat("X", i+1), state, 1_767_225_600_000+int64(i)*3_600_000, 1_767_312_000_000)
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM kpi_rollup_state`); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) (stdout, stderr string) {
			t.Helper()
			var out, errOut bytes.Buffer
			a := &app{cfg: config{Profile: "police"}, stdout: &out, stderr: &errOut,
				log: slog.New(slog.DiscardHandler), db: db}
			if err := runKPI(ctx, a, args); err != nil {
				t.Fatalf("minyi kpi %v: %v", args, err)
			}
			return out.String(), errOut.String()
		}

		scanned, note := run("--json")
		if !strings.Contains(note, "minyi kpi --rebuild") {
			t.Errorf("stderr %q does not suggest a rebuild", note)
		}
		if !strings.Contains(scanned, `"received": 3`) || !strings.Contains(scanned, `"closed": 1`) {
			t.Errorf("scanned report %s does not count 3 received and 1 closed", scanned)
		}
		out, _ := run("--rebuild")
		if !strings.Contains(out, "from 3 ") {
			t.Errorf("rebuild output %q does not report 3 tickets", out)
		}
		fromRollups, note := run("--json")
		if note != "" {
			t.Errorf("stderr after the rebuild = %q, want nothing", note)
		}
		if fromRollups != scanned {
			t.Errorf("report from rollups\n%s\ndiffers from the scanned report\n%s", fromRollups, scanned)
		}
	})
}

func TestKPICommandUsage(t *testing.T) {
	a := &app{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	for _, args := range [][]string{{"--rebuild", "--json"}, {"--rebuild", "--unit", "x"}, {"extra"}} {
		var ue usageError
		if err := runKPI(context.Background(), a, args); !errors.As(err, &ue) {
			t.Errorf("minyi kpi %v: %v, want a usage error", args, err)
		}
	}
}
