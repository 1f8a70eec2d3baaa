package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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

// keyFixHint describes how an operator gives a process the right key file.
const keyFixHint = "Set " + privacy.KeysFileEnv + " to the absolute path of the key file the database was set up with " +
	"(the first server logged its path when it created it: DBFILE.keys beside a SQLite file, " +
	"or minyi-PROFILE.keys in that server's working folder with PostgreSQL), " +
	"and copy that file securely (mode 0600) if the first server runs on another machine. " +
	"A server also needs the first server's audit key and checkpoint file: set MINYI_AUDIT_KEY and " +
	"MINYI_AUDIT_CHECKPOINTS too"

// rejectNewKeyFile returns an error when the database already depends on
// personal-data keys, so that no process creates a second key set for it.
// Values sealed under a second set would not open on the other servers, and
// its blind indexes and progress keys would not match theirs.
func (a *app) rejectNewKeyFile(ctx context.Context, path string) error {
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	used, err := privacy.KeysInUse(ctx, db)
	if err != nil {
		return err
	}
	if !used {
		return nil
	}
	abs, _ := filepath.Abs(path)
	return fmt.Errorf("key file %s not found and %s is not set, but the database was set up with another key file: "+
		"it holds data sealed or hashed under personal-data keys, and a new key file is created only for an empty database. %s",
		abs, privacy.KeysFileEnv, keyFixHint)
}

// verifyKeys checks the loaded keys against the key check values in the
// database, and stores the values of keys that have none yet.
func (a *app) verifyKeys(ctx context.Context, k *privacy.Keys, path string) error {
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	err = privacy.VerifyKeys(ctx, db, k)
	if err == nil || !errors.Is(err, privacy.ErrKeyMismatch) {
		return err
	}
	source := "the keys in " + privacy.KeysEnv
	if path != "" {
		abs, _ := filepath.Abs(path)
		source = "key file " + abs
		if os.Getenv(privacy.KeysFileEnv) != "" {
			source += " (from " + privacy.KeysFileEnv + ")"
		}
	}
	return fmt.Errorf("%s: %w. minyi stops, because values sealed with these keys could not be read "+
		"by the processes that use the database's keys. %s", source, err, keyFixHint)
}
