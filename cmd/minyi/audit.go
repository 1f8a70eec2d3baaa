package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"minyi/audit"
	"minyi/store"
)

const auditUsage = `usage: minyi audit COMMAND [FLAGS]

commands:
  pubkey                      打印审计检查点的验证公钥 (print the verifier key)
  checkpoint                  立即签署一个检查点 (sign a checkpoint now)
  export --out DIR            导出审计记录与检查点 (write DIR/records.jsonl and DIR/checkpoints.txt)
         [--from DATE] [--to DATE]
  verify --key KEY DIR        离线校验导出目录，无需数据库 (verify an export offline)

Key and checkpoint file: --signing-key and --checkpoints, or MINYI_AUDIT_KEY and
MINYI_AUDIT_CHECKPOINTS; beside a SQLite database by default; required for PostgreSQL.
`

// runAudit runs "minyi audit": the signing key, checkpoints, export and
// offline verification of the access log.
func runAudit(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(a.stdout, auditUsage)
		return nil
	}
	switch args[0] {
	case "pubkey":
		return runAuditPubkey(ctx, a, args[1:])
	case "checkpoint":
		return runAuditCheckpoint(ctx, a, args[1:])
	case "export":
		return runAuditExport(ctx, a, args[1:])
	case "verify":
		return runAuditVerify(a, args[1:])
	}
	return usageError{fmt.Sprintf("未知的子命令 %q (unknown audit command); run \"minyi audit help\"", args[0])}
}

// auditFiles holds where the signing key and the checkpoint file live.
type auditFiles struct {
	keyPath, checkpointPath, origin string
}

func (f *auditFiles) flags(fs *flag.FlagSet) {
	fs.StringVar(&f.keyPath, "signing-key", os.Getenv("MINYI_AUDIT_KEY"),
		"Ed25519 signing key file, created if missing (env MINYI_AUDIT_KEY; default beside a SQLite database)")
	fs.StringVar(&f.checkpointPath, "checkpoints", os.Getenv("MINYI_AUDIT_CHECKPOINTS"),
		"file the signed checkpoints are appended to (env MINYI_AUDIT_CHECKPOINTS; default beside a SQLite database)")
	fs.StringVar(&f.origin, "origin", os.Getenv("MINYI_AUDIT_ORIGIN"),
		"log name signed into every checkpoint, used when the key is created (env MINYI_AUDIT_ORIGIN; default minyi/PROFILE/audit)")
}

// resolve fills in the defaults beside a SQLite database. Both files must be
// out of reach of anyone who can write to the database, so a PostgreSQL
// deployment must name them.
func (f *auditFiles) resolve(a *app, db *store.DB) error {
	if path, ok := strings.CutPrefix(db.DSN, "sqlite:"); ok {
		path, _, _ = strings.Cut(path, "?")
		key, cps := audit.DefaultPaths(path)
		f.keyPath = cmp.Or(f.keyPath, key)
		f.checkpointPath = cmp.Or(f.checkpointPath, cps)
	}
	if f.keyPath == "" || f.checkpointPath == "" {
		return usageError{"PostgreSQL 部署须指定签名密钥与检查点文件 (--signing-key and --checkpoints, " +
			"or MINYI_AUDIT_KEY and MINYI_AUDIT_CHECKPOINTS, are required with PostgreSQL)"}
	}
	if f.origin == "" {
		p, err := a.Profile()
		if err != nil {
			return err
		}
		f.origin = "minyi/" + sanitizeName(p.Name) + "/audit"
	}
	return nil
}

// openAuditLog opens the database, the signing key and the log.
func openAuditLog(ctx context.Context, a *app, f *auditFiles) (*store.DB, *audit.Log, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := f.resolve(a, db); err != nil {
		return nil, nil, err
	}
	key, err := loadAuditKey(ctx, a, db, f)
	if err != nil {
		return nil, nil, err
	}
	l, err := audit.New(audit.Options{Key: key, CheckpointPath: f.checkpointPath, Logger: a.log})
	if err != nil {
		return nil, nil, err
	}
	return db, l, nil
}

// loadAuditKey reads the signing key, or creates it while the database holds
// no checkpoint. A key that did not sign the newest checkpoint in the
// database only gets a warning, because a deliberate key change (with a new
// checkpoint file) looks the same.
func loadAuditKey(ctx context.Context, a *app, db *store.DB, f *auditFiles) (*audit.Key, error) {
	key, err := audit.LoadOrCreateKeyForDB(ctx, db, f.keyPath, f.origin)
	if err != nil {
		return nil, err
	}
	signed, signers, err := key.SignedNewestCheckpoint(ctx, db)
	if err != nil {
		return nil, err
	}
	if !signed {
		abs, _ := filepath.Abs(f.keyPath)
		a.log.Warn("the audit signing key did not sign the newest checkpoint in the database; "+
			"unless the key was changed on purpose, set MINYI_AUDIT_KEY to the key file of the server that signed it",
			"key", abs, "checkpoint_signed_by", signers)
	}
	return key, nil
}

func runAuditPubkey(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("audit pubkey", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	var files auditFiles
	files.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	if err := files.resolve(a, db); err != nil {
		return err
	}
	key, err := loadAuditKey(ctx, a, db, &files)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, key.VerifierKey)
	return nil
}

func runAuditCheckpoint(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("audit checkpoint", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	var files auditFiles
	files.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, l, err := openAuditLog(ctx, a, &files)
	if err != nil {
		return err
	}
	cp, err := l.Checkpoint(ctx, db)
	if errors.Is(err, audit.ErrEmptyLog) {
		fmt.Fprintln(a.stdout, "审计日志为空，无需签署 (the audit log is empty)")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已签署检查点：记录数 %d (checkpoint signed at tree size %d)\n", cp.Size, cp.Size)
	return nil
}

func runAuditExport(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	var files auditFiles
	files.flags(fs)
	out := fs.String("out", "", "directory to write records.jsonl and checkpoints.txt to (required)")
	from := fs.String("from", "", "first day whose records are exported in full, YYYY-MM-DD in the deployment's time zone")
	to := fs.String("to", "", "last day whose records are exported in full, YYYY-MM-DD, inclusive")
	noSign := fs.Bool("no-sign", false, "do not sign a checkpoint first; records after the newest checkpoint are left out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usageError{"需要 --out DIR (usage: minyi audit export --out DIR [--from DATE] [--to DATE])"}
	}
	p, err := a.Profile()
	if err != nil {
		return err
	}
	opts := audit.ExportOptions{}
	if opts.From, err = parseAuditDay(*from, p.Location, 0); err != nil {
		return err
	}
	if opts.To, err = parseAuditDay(*to, p.Location, 1); err != nil {
		return err
	}

	db, l, err := openAuditLog(ctx, a, &files)
	if err != nil {
		return err
	}
	if !*noSign {
		_, err := l.Checkpoint(ctx, db)
		switch {
		case errors.Is(err, audit.ErrInconsistent):
			// Export anyway, because the export is what shows an auditor the change.
			fmt.Fprintf(a.stderr, "警告：数据库中的审计记录与已签名的检查点不一致，未签署新检查点 (warning: %v)\n", err)
		case err != nil && !errors.Is(err, audit.ErrEmptyLog):
			return err
		}
	}
	opts.CheckpointPath = files.checkpointPath
	sum, err := audit.Export(ctx, db, *out, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已导出 %d 条记录（其中 %d 条完整，%d 条已不在数据库中）与 %d 个检查点到 %s\n"+
		"(exported %d records, %d in full, %d no longer in the database, and %d checkpoints to %s)\n",
		sum.Records, sum.Full, sum.Purged, sum.Checkpoints, *out,
		sum.Records, sum.Full, sum.Purged, sum.Checkpoints, *out)
	return nil
}

// parseAuditDay reads a YYYY-MM-DD date in loc and returns its start plus
// addDays days; an empty string gives the zero time.
func parseAuditDay(s string, loc *time.Location, addDays int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("日期无效 %q，应为 YYYY-MM-DD (invalid date)", s)}
	}
	return d.AddDate(0, 0, addDays), nil
}

func runAuditVerify(a *app, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	keyArg := fs.String("key", "", "verifier key as \"minyi audit pubkey\" prints it, or a file containing it (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyArg == "" || fs.NArg() != 1 {
		return usageError{"需要 --key KEY 与导出目录 (usage: minyi audit verify --key KEY DIR)"}
	}
	v, err := audit.ParseVerifier(*keyArg)
	if err != nil {
		return err
	}
	res, err := audit.VerifyDir(fs.Arg(0), v)
	if err != nil {
		return fmt.Errorf("校验失败 (verification failed): %w", err)
	}
	fmt.Fprintf(a.stdout, "校验通过：%d 条记录（其中 %d 条完整，%d 条在导出时段外，%d 条按保留期清除），"+
		"%d 个检查点，签名覆盖到第 %d 条\n"+
		"(verified: %d records, %d in full, %d outside the period, %d purged under retention, "+
		"%d checkpoints, signed up to record %d)\n",
		res.Records, res.Full, res.Outside, res.Purged, res.Checkpoints, res.SignedSize,
		res.Records, res.Full, res.Outside, res.Purged, res.Checkpoints, res.SignedSize)
	return nil
}
