package classify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"minyi/store"
)

// RefreshInterval is how long a Tagger uses a loaded model before it queries
// the database again for the active version.
const RefreshInterval = 5 * time.Second

// Tagger keeps the active model of each head in memory for the running
// service. It reloads a head's model when a different version becomes active:
// Predict checks at most once per RefreshInterval, and Refresh checks at once.
// A Tagger is safe for concurrent use.
type Tagger struct {
	db       *store.DB
	interval time.Duration
	log      *slog.Logger

	mu    sync.RWMutex
	heads map[string]*loadedModel

	refreshing sync.Mutex // one database check at a time
}

// loadedModel is a head's model in memory. Its model is nil when the head has
// no active model.
type loadedModel struct {
	model   *Model
	version int
	checked time.Time
}

// NewTagger returns a Tagger over db for the given heads. Other heads are added
// on their first Predict. It loads nothing until Refresh or Predict.
func NewTagger(db *store.DB, heads ...string) *Tagger {
	t := &Tagger{db: db, interval: RefreshInterval, log: slog.Default(), heads: map[string]*loadedModel{}}
	for _, h := range heads {
		t.heads[h] = &loadedModel{}
	}
	return t
}

// SetLogger sets where the Tagger reports failed reloads; the default is
// slog.Default().
func (t *Tagger) SetLogger(l *slog.Logger) { t.log = l }

// Predict tags text with head's active model. It returns the prediction, the
// model's source as "model:HEAD:vVERSION", and ok false when head has no model
// (a failed reload keeps the model already loaded).
func (t *Tagger) Predict(ctx context.Context, head, text string) (Prediction, string, bool) {
	t.maybeRefresh(ctx, head)
	t.mu.RLock()
	e := t.heads[head]
	t.mu.RUnlock()
	if e == nil || e.model == nil {
		return Prediction{}, "", false
	}
	return e.model.Predict(text), Source(head, e.version), true
}

// Source names a model version as Prediction sources and ticket tags record it.
func Source(head string, version int) string {
	return fmt.Sprintf("model:%s:v%d", head, version)
}

// Refresh checks every known head now and loads the models whose active
// version changed. It returns the database and decoding failures, but a head
// without an active model is not a failure.
func (t *Tagger) Refresh(ctx context.Context) error {
	t.refreshing.Lock()
	defer t.refreshing.Unlock()
	t.mu.RLock()
	heads := make([]string, 0, len(t.heads))
	for h := range t.heads {
		heads = append(heads, h)
	}
	t.mu.RUnlock()
	var errs []error
	for _, h := range heads {
		errs = append(errs, t.refreshHead(ctx, h))
	}
	return errors.Join(errs...)
}

// maybeRefresh checks head when its last check is older than the interval.
// While another goroutine checks, callers keep using the loaded model rather
// than wait, unless there is none yet.
func (t *Tagger) maybeRefresh(ctx context.Context, head string) {
	t.mu.RLock()
	e := t.heads[head]
	t.mu.RUnlock()
	if e != nil && time.Since(e.checked) < t.interval {
		return
	}
	if e != nil && e.model != nil {
		if !t.refreshing.TryLock() {
			return
		}
	} else {
		t.refreshing.Lock()
	}
	defer t.refreshing.Unlock()
	if err := t.refreshHead(ctx, head); err != nil {
		t.log.WarnContext(ctx, "tagging model reload failed", "head", head, "error", err)
	}
}

// refreshHead loads head's active model if its version differs from the one in
// memory. The caller holds t.refreshing.
func (t *Tagger) refreshHead(ctx context.Context, head string) error {
	t.mu.RLock()
	cur := t.heads[head]
	t.mu.RUnlock()
	next := loadedModel{checked: time.Now()}
	if cur != nil {
		next.model, next.version = cur.model, cur.version
	}
	defer func() {
		t.mu.Lock()
		t.heads[head] = &next
		t.mu.Unlock()
	}()
	version, err := ActiveVersion(ctx, t.db, head)
	switch {
	case errors.Is(err, ErrNoModel):
		next.model, next.version = nil, 0
		return nil
	case err != nil:
		return err
	case next.model != nil && version == next.version:
		return nil
	}
	m, version, err := LoadActive(ctx, t.db, head)
	if errors.Is(err, ErrNoModel) {
		next.model, next.version = nil, 0
		return nil
	}
	if err != nil {
		return err
	}
	next.model, next.version = m, version
	t.log.InfoContext(ctx, "tagging model loaded", "head", head, "version", version, "method", m.Method)
	return nil
}
