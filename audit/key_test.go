package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

// TestLoadOrCreateKeyForDB checks that a second signing key is created only
// while the database holds no checkpoint.
func TestLoadOrCreateKeyForDB(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		first, err := LoadOrCreateKeyForDB(ctx, db, filepath.Join(dir, "first.key"), testOrigin)
		if err != nil {
			t.Fatalf("key for an empty database: %v", err)
		}
		if signed, _, err := first.SignedNewestCheckpoint(ctx, db); err != nil || !signed {
			t.Fatalf("SignedNewestCheckpoint without checkpoints = %v, %v; want true", signed, err)
		}
		l, err := New(Options{Key: first, CheckpointPath: filepath.Join(dir, "checkpoints")})
		if err != nil {
			t.Fatal(err)
		}
		appendRecords(t, db, l, 0, 3, time.Now())
		checkpoint(t, db, l)

		missing := filepath.Join(dir, "second.key")
		_, err = LoadOrCreateKeyForDB(ctx, db, missing, testOrigin)
		if !errors.Is(err, ErrKeyNotFound) {
			t.Fatalf("missing key with checkpoints: err = %v, want ErrKeyNotFound", err)
		}
		for _, want := range []string{missing, "MINYI_AUDIT_KEY", testOrigin + "+"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a key file was created at %s (stat: %v)", missing, err)
		}

		again, err := LoadOrCreateKeyForDB(ctx, db, filepath.Join(dir, "first.key"), testOrigin)
		if err != nil {
			t.Fatalf("first key again: %v", err)
		}
		if signed, _, err := again.SignedNewestCheckpoint(ctx, db); err != nil || !signed {
			t.Errorf("first key: SignedNewestCheckpoint = %v, %v; want true", signed, err)
		}
		other, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"), testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		signed, signers, err := other.SignedNewestCheckpoint(ctx, db)
		if err != nil || signed {
			t.Errorf("other key: SignedNewestCheckpoint = %v, %v; want false", signed, err)
		}
		if !strings.HasPrefix(signers, testOrigin+"+") {
			t.Errorf("signers = %q, want the first key's name and hash", signers)
		}
	})
}
