package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"minyi/privacy"
)

func runPrivacy(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "purge" {
		return usageError{"want a subcommand: purge [--dry-run]"}
	}
	fs := flag.NewFlagSet("privacy purge", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	dryRun := fs.Bool("dry-run", false, "count what would be shredded without deleting anything")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"privacy purge takes no arguments"}
	}
	res, cutoff, err := purgePersonalData(ctx, a, time.Now(), *dryRun)
	if err != nil {
		return err
	}
	verb := "shredded"
	if *dryRun {
		verb = "would shred"
	}
	fmt.Fprintf(a.stdout, "%s the personal data of %d tickets that ended before %s: %d vault values, "+
		"%d relay messages, %d voice recordings\n", verb, res.Tickets, cutoff.Format(time.DateOnly),
		res.Values, res.Messages, res.Recordings)
	return nil
}

// purgePersonalData shreds the personal data of tickets that ended more
// than the profile's retention period before now, and returns the cutoff.
func purgePersonalData(ctx context.Context, a *app, now time.Time, dryRun bool) (privacy.PurgeResult, time.Time, error) {
	p, err := a.Profile()
	if err != nil {
		return privacy.PurgeResult{}, time.Time{}, err
	}
	db, err := a.DB(ctx)
	if err != nil {
		return privacy.PurgeResult{}, time.Time{}, err
	}
	cutoff := now.AddDate(0, 0, -p.Retention.PersonalDataDays)
	res, err := privacy.Purge(ctx, db, cutoff, dryRun)
	return res, cutoff, err
}
