package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := a.DB(ctx) // opening migrates and loads the profile's units
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "database %s is up to date\n", db.Dialect)
	return nil
}
