// Command minyi is the citizen appeal and service-rating hub. Run
// "minyi help" for its subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand: its one-line help and the function that runs it
// with the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, app *app, args []string) error
}

// commands is the subcommand table. Each subcommand lives in a file of its own.
var commands = map[string]command{
	"serve":    {"start the service (both zones, one process)", runServe},
	"demo":     {"start the service with the demo city on SQLite", runDemo},
	"migrate":  {"apply database migrations", runMigrate},
	"import":   {"import items from a file into the pool", runImport},
	"tag":      {"train, evaluate and manage tagging models", runTag},
	"simulate": {"drive open tickets through the loop on a simulated clock", runSimulate},
	"kpi":      {"print the KPIs", runKPI},
	"user":     {"manage staff accounts", runUser},
	"route":    {"explain routing decisions", runRoute},
	"hot":      {"list hot issues: many citizens raising the same problem", runHot},
	"audit":    {"sign, export and verify the access log", runAudit},
	"search":   {"rebuild the full-text search index", runSearch},
	"qr":       {"create, list, revoke, reissue and print QR codes", runQR},
	"keys":     {"rotate and retire the personal-data encryption keys", runKeys},
	"privacy":  {"purge personal data past the profile's retention period", runPrivacy},
	"bench":    {"post generated items to a running minyi and report throughput", runBench},
}
