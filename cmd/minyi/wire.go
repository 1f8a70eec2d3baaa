package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"minyi/audit"
	"minyi/classify"
	"minyi/dedup"
	"minyi/dispatch"
	"minyi/privacy"
	"minyi/store"
	"minyi/ticket"
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
// else from a key file beside the database, creating it while the database
// holds no data under other keys. It rejects keys that do not match the key
// check values in the database.
func (a *app) Keys() (*privacy.Keys, error) {
	ctx := context.Background()
	k, path, err := a.loadKeys(ctx)
	if err == nil {
		err = a.verifyKeys(ctx, k, path)
	}
	if err != nil {
		return nil, err
	}
	a.keys = &keyFile{path: path, keys: k}
	if path != "" {
		if info, err := os.Stat(path); err == nil {
			a.keys.modTime = info.ModTime()
		}
	}
	return k, nil
}

// loadKeys returns the keys and the key file they came from ("" for MINYI_KEYS).
func (a *app) loadKeys(ctx context.Context) (*privacy.Keys, string, error) {
	if path := os.Getenv(privacy.KeysFileEnv); path != "" {
		k, err := privacy.ReadKeysFile(path)
		if !errors.Is(err, os.ErrNotExist) {
			return k, path, err
		}
		// A database that holds nothing under any key, such as a new one,
		// gets its key file at the path the operator named.
		if a.rejectNewKeyFile(ctx, path) != nil {
			return nil, "", fmt.Errorf("personal-data key file %s (from %s) was not found, and the database contains data "+
				"encrypted under keys: restore the file from your backup; without the original keys, encrypted data cannot "+
				"be read: %w", path, privacy.KeysFileEnv, err)
		}
		return a.createKeyFile(path)
	}
	k, err := privacy.LoadKeys(os.Getenv)
	if err == nil {
		return k, "", nil
	}
	if !errors.Is(err, privacy.ErrNoKeys) {
		return nil, "", err
	}
	path := a.sidePath(".keys")
	if k, err := privacy.ReadKeysFile(path); err == nil {
		return k, path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", err
	}
	if err := a.rejectNewKeyFile(ctx, path); err != nil {
		return nil, "", err
	}
	return a.createKeyFile(path)
}

// createKeyFile writes new personal-data keys to path and returns them. The
// caller has checked that the database holds nothing under other keys.
func (a *app) createKeyFile(path string) (*privacy.Keys, string, error) {
	k, err := privacy.GenerateKeys()
	if err != nil {
		return nil, "", err
	}
	if err := k.WriteFile(path); err != nil {
		return nil, "", err
	}
	abs, _ := filepath.Abs(path)
	a.log.Warn("created a new personal-data key file; back it up, without it encrypted data is lost",
		"path", abs)
	return k, path, nil
}

// tagger adapts classify.Tagger to workflow.Tagger.
type tagger struct{ t *classify.Tagger }

func (t tagger) Predict(ctx context.Context, head, text string) (dispatch.Prediction, bool) {
	p, source, ok := t.t.Predict(ctx, head, text)
	if !ok {
		return dispatch.Prediction{}, false
	}
	explain := make([]dispatch.Feature, len(p.Explain))
	for i, f := range p.Explain {
		explain[i] = dispatch.Feature{Text: f.Text, Weight: f.Weight}
	}
	return dispatch.Prediction{Label: p.Label, Confidence: p.Confidence, Source: source, Explain: explain}, true
}

// Protector returns the protector over the personal-data keys, loading the
// keys on first use. Its vault is the one reloadKeys updates.
func (a *app) Protector() (*privacy.Protector, error) {
	if a.keys != nil && a.keys.protector != nil {
		return a.keys.protector, nil
	}
	keys, err := a.Keys()
	if err != nil {
		return nil, fmt.Errorf("personal-data keys: %w", err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		return nil, err
	}
	a.keys.protector, a.keys.vault = prot, prot.Vault()
	return prot, nil
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
	prot, err := a.Protector()
	if err != nil {
		return nil, err
	}
	log, err := a.AuditLog(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	relay, err := a.relay(prot.Vault())
	if err != nil {
		return nil, err
	}
	ct := classify.NewTagger(db, "tag", "kind")
	ct.SetLogger(a.log)
	// The duplicate index holds the open items of the last week in memory;
	// each new ticket is checked against it and suggestions are stored.
	dups := dedup.NewIndex(dedup.Options{})
	docs, err := dedup.Load(ctx, db, time.Now().Add(-dedupWindow))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		dups.Add(d)
	}
	var svc *workflow.Service
	svc, err = workflow.New(workflow.Options{
		DB: db, Profile: p, Protector: prot, Tagger: tagger{ct},
		Urgency: classify.Urgent, Audit: workflow.AuditLog(log), Logger: a.log,
		Relay: relay, SMSTrackingCode: relay != nil,
		OnCreated: func(ctx context.Context, t *ticket.Ticket) {
			if _, err := dups.CheckTicket(ctx, duplicateSuggester{svc}, t); err != nil {
				a.log.Warn("duplicate check failed", "ticket_id", t.ID, "error", err)
			}
		},
		OnEnded: dups.Remove,
		// A reopened or unmerged ticket is open again, so new items are
		// checked against it again.
		OnReopened: func(_ context.Context, t *ticket.Ticket) { dups.Add(dedup.TicketDoc(t)) },
	})
	return svc, err
}

// duplicateSuggester stores the matches of the duplicate index as the
// service's suggestions.
type duplicateSuggester struct{ svc *workflow.Service }

func (d duplicateSuggester) SuggestDuplicates(ctx context.Context, id int64, matches []dedup.Match) error {
	dups := make([]workflow.DuplicateSuggestion, len(matches))
	for i, m := range matches {
		dups[i] = workflow.DuplicateSuggestion{Of: m.ID, Score: m.Score, Reasons: m.Reasons}
	}
	return d.svc.SuggestDuplicates(ctx, id, dups)
}

// dedupWindow is how far back open tickets are loaded into the duplicate
// index at start; the index itself compares items within its own window.
const dedupWindow = 7 * 24 * time.Hour

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

// relay returns the contact relay: the demo provider in demo mode, whatever
// the environment sets, because the demo's generated numbers must never
// reach a real gateway; else the HTTP gateway at MINYI_RELAY_URL (with the
// bearer token from MINYI_RELAY_TOKEN_FILE or MINYI_RELAY_TOKEN); else nil,
// which leaves the console's call-back and message buttons disabled with an
// explanation.
func (a *app) relay(vault *privacy.Vault) (*privacy.Relay, error) {
	if a.demoRelay {
		if os.Getenv("MINYI_RELAY_URL") != "" {
			a.log.Warn("MINYI_RELAY_URL is ignored in demo mode; the demo provider delivers to the progress page")
		}
		return privacy.NewRelay(vault, privacy.NewDemoProvider(), 0), nil
	}
	if u := os.Getenv("MINYI_RELAY_URL"); u != "" {
		token := os.Getenv("MINYI_RELAY_TOKEN")
		if path := os.Getenv("MINYI_RELAY_TOKEN_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("relay token: %w", err)
			}
			token = strings.TrimSpace(string(b))
		}
		p, err := privacy.NewHTTPProvider(u, token)
		if err != nil {
			return nil, err
		}
		return privacy.NewRelay(vault, p, 0), nil
	}
	return nil, nil
}
