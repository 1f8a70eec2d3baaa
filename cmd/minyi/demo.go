package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"minyi/classify"
	"minyi/demo"
	"minyi/evaluate"
	"minyi/org"
	"minyi/simulate"
	"minyi/store"
	"minyi/workflow"
)

// Sizes of the demo city's generated data.
const (
	demoTickets       = 400
	demoTrainExamples = 3000
	demoSeed          = 20261204
)

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	var o serveOptions
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if a.cfg.DB == "" {
		a.cfg.DB = "sqlite:minyi-demo.db"
	}
	a.demoRelay = true
	svc, err := a.Service(ctx)
	if err != nil {
		return err
	}
	if err := setAsideStaleCheckpoints(ctx, a, svc.DB()); err != nil {
		return err
	}
	if err := seedDemo(ctx, a, svc); err != nil {
		return err
	}
	// Every officer and window gets a QR code, so the printable sheets exist.
	if _, err := evaluate.EnsureCodes(ctx, svc.DB(), svc.Profile()); err != nil {
		return err
	}
	return serveHTTP(ctx, a, svc, o, func(addr string) {
		if err := printDemoWelcome(ctx, a, svc, addr, o.certFile != ""); err != nil {
			a.log.Error("demo welcome failed", "error", err)
		}
	})
}

// seedDemo trains the demo models and creates a month of simulated tickets,
// once per database.
func seedDemo(ctx context.Context, a *app, svc *workflow.Service) error {
	db := svc.DB()
	var seeded string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'demo_seeded'`).Scan(&seeded)
	if err == nil {
		fmt.Fprintln(a.stderr, "demo data already present; reusing it")
		return nil
	}
	p := svc.Profile()
	fmt.Fprintln(a.stderr, "training the demo tagging models …")
	for head, examples := range map[string][]classify.Example{
		"tag":  demo.TrainingExamples(p, demoTrainExamples, demoSeed),
		"kind": demo.KindExamples(p, demoTrainExamples/2, demoSeed),
	} {
		train, held := classify.Split(examples)
		m, err := classify.Train(train, classify.Options{})
		if err != nil {
			return fmt.Errorf("demo: train %s: %w", head, err)
		}
		if _, err := classify.Save(ctx, db, head, m, classify.Evaluate(m, held)); err != nil {
			return fmt.Errorf("demo: save %s model: %w", head, err)
		}
	}
	now := time.Now()
	subs := demo.Submissions(p, demoTickets, demoSeed, now.AddDate(0, 0, -30), now)
	progress := progressPrinter(a, "demo tickets")
	for i, sub := range subs {
		if _, _, err := svc.Submit(ctx, sub); err != nil {
			return fmt.Errorf("demo: submit item %d: %w", i, err)
		}
		progress(i+1, len(subs))
	}
	res, err := simulate.Run(ctx, svc, simulate.Options{Until: now, Seed: demoSeed,
		Progress: progressPrinter(a, "simulated month")})
	if err != nil {
		return err
	}
	a.log.Info("demo city ready", "tickets", res.Tickets, "actions", res.Actions)
	_, err = db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('demo_seeded', ?)`, now.UTC().Format(time.RFC3339))
	if err != nil && !store.IsUniqueViolation(err) {
		return fmt.Errorf("demo: mark seeded: %w", err)
	}
	return nil
}

// printDemoWelcome gives the demo accounts their demo password and TOTP
// secret, issues a fresh API key for the first centre account, and prints
// where to look and how to sign in.
func printDemoWelcome(ctx context.Context, a *app, svc *workflow.Service, addr string, tls bool) error {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	base := scheme + "://" + addr
	db := svc.DB()
	prot, err := a.Protector()
	if err != nil {
		return err
	}
	accts, err := org.Accounts(ctx, db)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n民意 minyi demo city: %s\n\n", svc.Profile().Title)
	fmt.Fprintf(&b, "  service   %s\n  sign in   %s/signin\n  health    %s/healthz\n\n", base, base, base)
	fmt.Fprintf(&b, "Demo accounts (password %s unless changed; second factor: TOTP):\n", demoPassword)
	var centre string
	for _, ac := range accts {
		if err := ensureDemoCredentials(ctx, db, prot.Vault(), ac); err != nil {
			return err
		}
		if centre == "" && ac.Role == "centre" {
			centre = ac.Name
		}
		fmt.Fprintf(&b, "  %-14s %-8s %s\n", ac.Name, ac.Role, ac.UnitID)
	}
	if centre == "" {
		return errors.New("demo: the profile has no centre account")
	}
	key, err := demoAPIKey(ctx, db, prot.Vault(), centre)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nTo sign in as %s: open %s/signin, enter the name and password, then the code from\n", centre, base)
	fmt.Fprintf(&b, "  go run ./cmd/minyi --db %s user totp %s     (demo only; each code works once, a new one every 30 s)\n",
		a.cfg.DB, centre)
	sheet := strings.TrimSuffix(a.sidePath(""), ".db") + "-codes.html"
	if n, err := writeCodeSheet(ctx, a, evaluate.Filter{}, sheet, base); err != nil {
		a.log.Warn("writing the printable code sheet failed", "error", err)
	} else {
		fmt.Fprintf(&b, "\nPrintable QR code sheets (%d codes): open %s in a browser, or sign in as admin and open\n",
			n, sheet)
		fmt.Fprintf(&b, "  %s/codes/sheet?type=officer\n  %s/codes/sheet?type=window\n", base, base)
	}
	fmt.Fprintf(&b, "\nAPI key of %s (new at every start):\n  %s\n", centre, key)
	fmt.Fprintf(&b, "\nTry:\n  curl -H 'Authorization: Bearer %s' %s/api/tickets?state=triage\n", key, base)
	fmt.Fprintf(&b, "  curl -H 'Authorization: Bearer %s' %s/api/kpi\n", key, base)
	fmt.Fprintf(&b, "  curl -H 'Authorization: Bearer %s' %s/api/units\n\nPress Ctrl+C to stop.\n", key, base)
	fmt.Fprint(a.stdout, b.String())
	return nil
}
