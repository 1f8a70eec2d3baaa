package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"minyi/audit"
	"minyi/org"
	"minyi/profile"
	"minyi/store"
)

// config is the process configuration, read once from flags and MINYI_*
// environment variables.
type config struct {
	DB      string // sqlite:PATH or postgres:// URL
	Profile string // built-in profile name or a file path
	Verbose bool
}

// app is the context every subcommand receives: the configuration, the output streams
// and lazily opened resources.
type app struct {
	cfg     config
	stdout  io.Writer
	stderr  io.Writer
	log     *slog.Logger
	profile *profile.Profile
	db      *store.DB
	audit   *audit.Log
	keys    *keyFile // the personal-data keys and where they came from, set by Keys
	// demoRelay makes Service contact citizens through the demo relay provider
	// when MINYI_RELAY_URL is not set.
	demoRelay bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("minyi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{Profile: envOr("MINYI_PROFILE", "police"), DB: os.Getenv("MINYI_DB")}
	fs.StringVar(&cfg.Profile, "profile", cfg.Profile, "profile: a built-in name (police, hotline) or a YAML/JSON file (env MINYI_PROFILE)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: sqlite:PATH or a postgres:// URL (env MINYI_DB; default sqlite:minyi-PROFILE.db)")
	fs.BoolVar(&cfg.Verbose, "v", false, "log debug messages")
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		usage(stdout, fs)
		return 0
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		fmt.Fprintf(stderr, "minyi: unknown command %q; run \"minyi help\" for the list\n", rest[0])
		return 2
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	a := &app{
		cfg: cfg, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	defer a.close()
	if err := cmd.run(ctx, a, rest[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "minyi %s: %v\n", rest[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "minyi %s: %v\n", rest[0], err)
		return 1
	}
	return 0
}

// usageError marks a mistake in the command line, which exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: minyi [--profile NAME|PATH] [--db DSN] COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nRun \"minyi COMMAND -h\" for a command's own flags.")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Profile loads the selected profile once.
func (a *app) Profile() (*profile.Profile, error) {
	if a.profile != nil {
		return a.profile, nil
	}
	p, err := profile.Load(a.cfg.Profile)
	if err != nil {
		return nil, err
	}
	a.profile = p
	return p, nil
}

// DB opens and migrates the selected database once, and loads the profile's
// units, officers and accounts into it, so every subcommand can use them.
func (a *app) DB(ctx context.Context) (*store.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	p, err := a.Profile()
	if err != nil {
		return nil, err
	}
	dsn := a.cfg.DB
	if dsn == "" {
		dsn = "sqlite:minyi-" + sanitizeName(p.Name) + ".db"
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := org.Sync(ctx, db, p); err != nil {
		db.Close()
		return nil, err
	}
	a.db = db
	return db, nil
}

// close signs a final audit checkpoint, so that every record this process
// wrote is covered, and closes the database.
func (a *app) close() {
	if a.audit != nil && a.db != nil {
		if _, err := a.audit.Checkpoint(context.Background(), a.db); err != nil && !errors.Is(err, audit.ErrEmptyLog) {
			a.log.Error("final audit checkpoint failed", "error", err)
		}
	}
	if a.db != nil {
		a.db.Close()
	}
}

func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
