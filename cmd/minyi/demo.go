package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"minyi/classify"
	"minyi/demo"
	"minyi/evaluate"
	"minyi/org"
	"minyi/privacy"
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

// demoCommand returns a shell command line that runs the minyi subcommand
// args on the demo's database from any folder. It names the key file and a
// SQLite database by absolute paths, and quotes values that a shell would
// expand, such as the "?" of a PostgreSQL URL.
func (a *app) demoCommand(args string) string {
	var parts []string
	if a.keys != nil && a.keys.path != "" {
		abs, err := filepath.Abs(a.keys.path)
		if err != nil {
			abs = a.keys.path
		}
		parts = append(parts, privacy.KeysFileEnv+"="+shellQuote(abs))
	}
	parts = append(parts, minyiCommand())
	if profile := a.cfg.Profile; profile != "police" {
		// A profile file given by a relative path must still load from another folder.
		if _, err := os.Stat(profile); err == nil {
			if abs, err := filepath.Abs(profile); err == nil {
				profile = abs
			}
		}
		parts = append(parts, "--profile", shellQuote(profile))
	}
	parts = append(parts, "--db", shellQuote(absoluteDSN(a.cfg.DB)), args)
	return strings.Join(parts, " ")
}

// minyiCommand returns how to run this program again: its absolute path, or,
// under "go run", whose binary is deleted when it exits, "go -C DIR run
// ./cmd/minyi" with the working folder as DIR when it contains cmd/minyi.
func minyiCommand() string {
	exe, err := os.Executable()
	if err == nil && !strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return shellQuote(exe)
	}
	if wd, err := os.Getwd(); err == nil {
		if info, err := os.Stat(filepath.Join(wd, "cmd", "minyi")); err == nil && info.IsDir() {
			return "go -C " + shellQuote(wd) + " run ./cmd/minyi"
		}
	}
	return "minyi"
}

// absoluteDSN returns dsn with a relative SQLite path made absolute.
func absoluteDSN(dsn string) string {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return dsn
	}
	file, query, hasQuery := strings.Cut(path, "?")
	abs, err := filepath.Abs(file)
	if err != nil {
		return dsn
	}
	if hasQuery {
		abs += "?" + query
	}
	return "sqlite:" + abs
}

// shellQuote returns s quoted for a POSIX shell (and zsh) when it contains
// any character outside a conservative safe set.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
	fmt.Fprintf(&b, "  %s\n  (demo only; works from any folder; each code works once, a new one every 30 s)\n",
		a.demoCommand("user totp "+centre))
	sheet := strings.TrimSuffix(a.sidePath(""), ".db") + "-codes.html"
	if n, err := writeCodeSheet(ctx, a, evaluate.Filter{}, sheet, base); err != nil {
		a.log.Warn("writing the printable code sheet failed", "error", err)
	} else {
		if abs, err := filepath.Abs(sheet); err == nil {
			sheet = abs
		}
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
