package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"minyi/simulate"
)

func runSimulate(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	until := fs.String("until", "", "stop the simulated clock at this time, RFC 3339 or YYYY-MM-DD (default: now)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed on the same tickets gives the same run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := a.Profile()
	if err != nil {
		return err
	}
	o := simulate.Options{Seed: *seed, Until: time.Now()}
	if *until != "" {
		t, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02", *until, p.Location)
		}
		if err != nil {
			return usageError{fmt.Sprintf("--until %q is not RFC 3339 or YYYY-MM-DD", *until)}
		}
		o.Until = t
	}
	svc, err := a.Service(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	o.Progress = progressPrinter(a, "simulate")
	res, err := simulate.Run(ctx, svc, o)
	if err != nil {
		return err
	}
	out := map[string]any{"tickets": res.Tickets, "actions": res.Actions, "by_state": res.ByState,
		"seconds": time.Since(start).Round(time.Millisecond).Seconds()}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// progressPrinter returns a callback that prints "done/total" on stderr at
// most every half second and once at the end.
func progressPrinter(a *app, label string) func(done, total int) {
	var last time.Time
	start := time.Now()
	return func(done, total int) {
		if done < total && time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
		fmt.Fprintf(a.stderr, "\r%s: %d/%d (%.0f/s)", label, done, total, rate)
		if done == total {
			fmt.Fprintln(a.stderr)
		}
	}
}
