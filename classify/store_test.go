package classify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

// quiet discards the Tagger's log lines in tests.
var quiet = slog.New(slog.DiscardHandler)

// trainOn trains a model on the generated examples whose label is in labels.
func trainOn(t *testing.T, labels ...string) *Model {
	t.Helper()
	keep := map[string]bool{}
	for _, l := range labels {
		keep[l] = true
	}
	var examples []Example
	for _, ex := range generated() {
		if keep[ex.Label] {
			examples = append(examples, ex)
		}
	}
	m, err := Train(examples, Options{})
	if err != nil {
		t.Fatalf("train: %v", err)
	}
	return m
}

func TestSaveLoadActive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, _, err := LoadActive(ctx, db, "tag"); !errors.Is(err, ErrNoModel) {
			t.Fatalf("LoadActive on an empty table: err = %v, want ErrNoModel", err)
		}
		first := trainOn(t, "交通", "噪声")
		v1, err := Save(ctx, db, "tag", first, Report{Rows: 10, Accuracy: 0.9, MacroF1: 0.8})
		if err != nil {
			t.Fatalf("save v1: %v", err)
		}
		second := trainOn(t, "交通", "噪声", "户籍")
		v2, err := Save(ctx, db, "tag", second, Report{Rows: 12, MacroF1: 0.85})
		if err != nil {
			t.Fatalf("save v2: %v", err)
		}
		if v1 != 1 || v2 != 2 {
			t.Errorf("versions = %d, %d, want 1, 2", v1, v2)
		}
		other, err := Save(ctx, db, "kind", first, Report{})
		if err != nil || other != 1 {
			t.Errorf("save kind: version %d, err %v, want 1 and nil", other, err)
		}

		m, version, err := LoadActive(ctx, db, "tag")
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if version != 2 || len(m.Labels) != 3 {
			t.Errorf("loaded v%d with labels %v, want v2 with 3 labels", version, m.Labels)
		}
		if got := m.Predict("户口迁移").Label; got != "户籍" {
			t.Errorf("loaded model predicts %q, want 户籍", got)
		}

		var active int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM models WHERE head = ? AND active <> 0`, "tag").
			Scan(&active); err != nil {
			t.Fatal(err)
		}
		if active != 1 {
			t.Errorf("%d active tag models, want 1", active)
		}
		var method, metrics string
		if err := db.QueryRowContext(ctx, `SELECT method, metrics FROM models WHERE head = ? AND version = 1`, "tag").
			Scan(&method, &metrics); err != nil {
			t.Fatal(err)
		}
		var r Report
		if err := json.Unmarshal([]byte(metrics), &r); err != nil || r.MacroF1 != 0.8 || r.Rows != 10 {
			t.Errorf("stored metrics %s (err %v), want macro_f1 0.8 and rows 10", metrics, err)
		}
		if method != DefaultMethod {
			t.Errorf("stored method %q, want %q", method, DefaultMethod)
		}
	})
}

func TestSaveInCallerTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := trainOn(t, "交通", "噪声")
		rollback := errors.New("roll back")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := Save(ctx, tx, "tag", m, Report{}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("InTx: %v", err)
		}
		if _, _, err := LoadActive(ctx, db, "tag"); !errors.Is(err, ErrNoModel) {
			t.Errorf("after rollback: err = %v, want ErrNoModel", err)
		}
	})
}

func TestTaggerReload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tg := NewTagger(db, "tag")
		tg.SetLogger(quiet)
		if _, _, ok := tg.Predict(ctx, "tag", "户口迁移"); ok {
			t.Fatal("Predict without a model: ok = true")
		}

		if _, err := Save(ctx, db, "tag", trainOn(t, "交通", "噪声"), Report{}); err != nil {
			t.Fatal(err)
		}
		// The Tagger caches "no model" for the interval, so Refresh checks now.
		if err := tg.Refresh(ctx); err != nil {
			t.Fatalf("refresh: %v", err)
		}
		p, source, ok := tg.Predict(ctx, "tag", "户口迁移")
		if !ok || source != "model:tag:v1" || len(p.Top) != 2 {
			t.Fatalf("after v1: ok %v source %q top %v, want model:tag:v1 with 2 labels", ok, source, p.Top)
		}

		if _, err := Save(ctx, db, "tag", trainOn(t, "交通", "噪声", "户籍"), Report{}); err != nil {
			t.Fatal(err)
		}
		if _, source, _ := tg.Predict(ctx, "tag", "户口迁移"); source != "model:tag:v1" {
			t.Errorf("within the interval: source %q, want the cached model:tag:v1", source)
		}
		tg.interval = 0 // every Predict checks the database
		p, source, ok = tg.Predict(ctx, "tag", "户口迁移")
		if !ok || source != "model:tag:v2" || p.Label != "户籍" {
			t.Errorf("after v2: ok %v source %q label %q, want model:tag:v2 and 户籍", ok, source, p.Label)
		}

		// Rolling back to v1 by hand is also picked up.
		if _, err := db.ExecContext(ctx, `UPDATE models SET active = CASE WHEN version = 1 THEN 1 ELSE 0 END WHERE head = ?`,
			"tag"); err != nil {
			t.Fatal(err)
		}
		if _, source, _ := tg.Predict(ctx, "tag", "户口迁移"); source != "model:tag:v1" {
			t.Errorf("after rollback: source %q, want model:tag:v1", source)
		}

		// A head not named at construction loads on first use.
		if _, err := Save(ctx, db, "kind", trainOn(t, "交通", "户籍"), Report{}); err != nil {
			t.Fatal(err)
		}
		if _, source, ok := tg.Predict(ctx, "kind", "路口堵车"); !ok || source != "model:kind:v1" {
			t.Errorf("kind: ok %v source %q, want model:kind:v1", ok, source)
		}
	})
}

func TestTaggerKeepsModelWhenDatabaseFails(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := Save(ctx, db, "tag", trainOn(t, "交通", "噪声"), Report{}); err != nil {
		t.Fatal(err)
	}
	tg := NewTagger(db, "tag")
	tg.SetLogger(quiet)
	if err := tg.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tg.interval = time.Nanosecond
	if err := tg.Refresh(ctx); err == nil {
		t.Error("Refresh on a closed database returned nil")
	}
	if _, source, ok := tg.Predict(ctx, "tag", "路口堵车"); !ok || source != "model:tag:v1" {
		t.Errorf("ok %v source %q, want the loaded model:tag:v1", ok, source)
	}
}

func TestTaggerConcurrentReload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := Save(ctx, db, "tag", trainOn(t, "交通", "噪声"), Report{}); err != nil {
			t.Fatal(err)
		}
		tg := NewTagger(db, "tag")
		tg.SetLogger(quiet)
		tg.interval = 0
		done := make(chan struct{})
		errs := make(chan string, 4)
		for range 4 {
			go func() {
				for {
					select {
					case <-done:
						errs <- ""
						return
					default:
					}
					if _, source, ok := tg.Predict(ctx, "tag", "路口堵车"); !ok || source == "" {
						errs <- "Predict returned no model while versions changed"
						return
					}
				}
			}()
		}
		for range 3 {
			if _, err := Save(ctx, db, "tag", trainOn(t, "交通", "噪声", "户籍"), Report{}); err != nil {
				t.Error(err)
			}
		}
		close(done)
		for range 4 {
			if msg := <-errs; msg != "" {
				t.Error(msg)
			}
		}
		if _, source, _ := tg.Predict(ctx, "tag", "路口堵车"); source != "model:tag:v4" {
			t.Errorf("source %q, want model:tag:v4", source)
		}
	})
}
