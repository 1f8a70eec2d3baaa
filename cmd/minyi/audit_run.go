package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"minyi/audit"
	"minyi/store"
)

// Defaults of the background checkpointer in serve and demo. A record waits
// at most five minutes for a checkpoint while others arrive, so a deletion of
// the newest records is caught within that time.
const (
	defaultAuditEvery    = 1000
	defaultAuditInterval = 5 * time.Minute
)

// startupCheckRecords is how many of the newest access records serve and
// demo check against their stored leaf hashes before they listen. It bounds
// the start-up time on a large log, about 1 second on two shared cores (an
// estimate from 20,000 records). Older records are checked only by
// "minyi audit verify" on an export.
const startupCheckRecords = 100_000

// checkpointOptions are the serve and demo flags that set how often the
// access log is signed.
type checkpointOptions struct {
	every    int64
	interval time.Duration
}

func (o *checkpointOptions) register(fs *flag.FlagSet) {
	every := int64(defaultAuditEvery)
	if v, err := strconv.ParseInt(os.Getenv("MINYI_AUDIT_EVERY"), 10, 64); err == nil && v > 0 {
		every = v
	}
	interval := defaultAuditInterval
	if v, err := time.ParseDuration(os.Getenv("MINYI_AUDIT_INTERVAL")); err == nil && v > 0 {
		interval = v
	}
	fs.Int64Var(&o.every, "audit-every", every,
		"sign an audit checkpoint after this many new access records (env MINYI_AUDIT_EVERY)")
	fs.DurationVar(&o.interval, "audit-interval", interval,
		"sign an audit checkpoint at least this often while records arrive, such as 5m (env MINYI_AUDIT_INTERVAL)")
}

// startCheckpointer checks that the access log in the database extends the
// newest signed checkpoint, signs the records written since, checks the
// newest startupCheckRecords records against their stored leaf hashes, and
// starts signing in the background. The caller must call Close on the result at
// shutdown, which signs a final checkpoint. A log that does not extend the
// checkpoint file, or a changed record, stops the start with an error that
// names the next step.
func startCheckpointer(ctx context.Context, a *app, db *store.DB, o checkpointOptions) (*audit.Checkpointer, error) {
	l, err := a.AuditLog(ctx)
	if err != nil {
		return nil, err
	}
	_, err = l.Checkpoint(ctx, db)
	if errors.Is(err, audit.ErrInconsistent) {
		return nil, fmt.Errorf("审计日志与已签名的检查点不一致 (the access log in the database does not extend the "+
			"signed checkpoints in %s): %w\n"+
			"If you replaced or deleted the database on purpose, move %s elsewhere (keep it for the auditors) "+
			"and start again.\nOtherwise access records were changed or removed: keep the database and the "+
			"file, and run \"minyi audit export\" and \"minyi audit verify\" to find the first change",
			l.CheckpointPath(), err, l.CheckpointPath())
	}
	if err != nil && !errors.Is(err, audit.ErrEmptyLog) {
		return nil, fmt.Errorf("audit checkpoint at start: %w", err)
	}
	started := time.Now()
	checked, err := audit.CheckRecords(ctx, db, startupCheckRecords)
	if errors.Is(err, audit.ErrRecordChanged) {
		return nil, fmt.Errorf("审计记录被修改 (an access record in the database was changed): %w\n"+
			"Keep the database and %s, and run \"minyi audit export\" and \"minyi audit verify\" "+
			"to check every record", err, l.CheckpointPath())
	}
	if err != nil {
		return nil, fmt.Errorf("audit record check at start: %w", err)
	}
	a.log.Info("audit records checked against their stored hashes", "records", checked,
		"duration", time.Since(started).Round(time.Millisecond).String())
	c := audit.NewCheckpointer(l, db, audit.CheckpointerOptions{Every: o.every, Interval: o.interval})
	go func() { _ = c.Run(ctx) }()
	a.log.Info("audit checkpointer started", "every_records", o.every, "interval", o.interval.String(),
		"checkpoints", l.CheckpointPath())
	return c, nil
}

// setAsideStaleCheckpoints moves the checkpoint file of a demo database
// aside when the database holds no access records but the file holds signed
// checkpoints: the database was deleted and the file belongs to the old one.
// Without this the first checkpoint of the new database would be refused as
// a truncated log.
func setAsideStaleCheckpoints(ctx context.Context, a *app, db *store.DB) error {
	l, err := a.AuditLog(ctx)
	if err != nil {
		return err
	}
	size, err := audit.TreeSize(ctx, db)
	if err != nil || size > 0 {
		return err
	}
	path := l.CheckpointPath()
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && info.Size() == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit checkpoint file: %w", err)
	}
	old := path + ".old-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Rename(path, old); err != nil {
		return fmt.Errorf("set aside the checkpoints of the deleted demo database: %w", err)
	}
	fmt.Fprintf(a.stderr, "演示数据库是新的，旧的审计检查点文件已移到 %s\n"+
		"(the demo database is new; the audit checkpoints of the deleted one were moved to %s)\n", old, old)
	return nil
}
