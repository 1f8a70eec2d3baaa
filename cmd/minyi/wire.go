package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"minyi/audit"
	"minyi/classify"
	"minyi/dispatch"
	"minyi/privacy"
	"minyi/store"
	"minyi/workflow"
)

// sidePath returns where a file that belongs with the database lives when no
// variable names it: beside a SQLite file, or in the working folder.
func (a *app) sidePath(suffix string) string {
	if strings.HasPrefix(a.cfg.DB, "sqlite:") {
		return strings.TrimPrefix(a.cfg.DB, "sqlite:") + suffix
	}
	name := "minyi"
	if a.profile != nil {
		name += "-" + sanitizeName(a.profile.Name)
	}
	if a.cfg.DB == "" {
		return name + ".db" + suffix
	}
	return name + suffix
}

// Keys loads the personal-data keys from MINYI_KEYS_FILE or MINYI_KEYS, or
// else from a key file beside the database, creating it on first use.
func (a *app) Keys() (*privacy.Keys, error) {
	k, err := privacy.LoadKeys(os.Getenv)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, privacy.ErrNoKeys) {
		return nil, err
	}
	path := a.sidePath(".keys")
	if k, err := privacy.ReadKeysFile(path); err == nil {
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err = privacy.GenerateKeys()
	if err != nil {
		return nil, err
	}
	if err := k.WriteFile(path); err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path)
	a.log.Warn("created a new personal-data key file; back it up, without it encrypted data is lost",
		"path", abs)
	return k, nil
}

// tagger adapts classify.Tagger to workflow.Tagger.
type tagger struct{ t *classify.Tagger }

func (t tagger) Predict(ctx context.Context, head, text string) (dispatch.Prediction, bool) {
	p, source, ok := t.t.Predict(ctx, head, text)
	if !ok {
		return dispatch.Prediction{}, false
	}
	return dispatch.Prediction{Label: p.Label, Confidence: p.Confidence, Source: source}, true
}

// Service opens the database and returns the workflow service with tagging and privacy wired in.
func (a *app) Service(ctx context.Context) (*workflow.Service, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.Profile()
	if err != nil {
		return nil, err
	}
	keys, err := a.Keys()
	if err != nil {
		return nil, fmt.Errorf("personal-data keys: %w", err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		return nil, err
	}
	log, err := a.AuditLog(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	ct := classify.NewTagger(db, "tag", "kind")
	ct.SetLogger(a.log)
	return workflow.New(workflow.Options{
		DB: db, Profile: p, Protector: prot, Tagger: tagger{ct},
		Urgency: classify.Urgent, Audit: auditFunc(log), Logger: a.log,
	})
}

// AuditLog opens the access log once. With PostgreSQL and no configured key
// and checkpoint files, they default to files in the working folder, with a
// warning, so that the log is never silently off.
func (a *app) AuditLog(ctx context.Context) (*audit.Log, error) {
	if a.audit != nil {
		return a.audit, nil
	}
	db, err := a.DB(ctx)
	if err != nil {
		return nil, err
	}
	files := auditFiles{keyPath: os.Getenv("MINYI_AUDIT_KEY"), checkpointPath: os.Getenv("MINYI_AUDIT_CHECKPOINTS"),
		origin: os.Getenv("MINYI_AUDIT_ORIGIN")}
	if db.Dialect != store.SQLite && (files.keyPath == "" || files.checkpointPath == "") {
		base := "minyi-" + sanitizeName(a.profile.Name)
		files.keyPath = cmp.Or(files.keyPath, base+".audit.key")
		files.checkpointPath = cmp.Or(files.checkpointPath, base+".audit.checkpoints")
		a.log.Warn("audit key and checkpoint files not configured; using the working folder",
			"key", files.keyPath, "checkpoints", files.checkpointPath)
	}
	_, l, err := openAuditLog(ctx, a, &files)
	if err != nil {
		return nil, err
	}
	a.audit = l
	return l, nil
}

// auditFunc records workflow accesses in the access log, with the request's
// id, client address and session taken from the context.
func auditFunc(l *audit.Log) workflow.AuditFunc {
	return func(ctx context.Context, tx *store.Tx, acc workflow.Access) error {
		m := audit.MetaFrom(ctx)
		login := acc.Actor.Login
		if login == "" {
			login = string(acc.Actor.Role)
		}
		_, err := l.Append(ctx, tx, audit.Record{
			AccountID: acc.Actor.ID, AccountName: login, Role: string(acc.Actor.Role), SessionHash: m.SessionHash,
			Action: acc.Action, TicketID: acc.TicketID, Fields: acc.Fields, Purpose: acc.Purpose,
			Result: acc.Result, ClientAddr: m.ClientAddr, RequestID: m.RequestID, Filter: acc.Filter,
			Count: int64(acc.Count),
		})
		return err
	}
}
