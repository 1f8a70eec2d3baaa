package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"minyi/privacy"
)

// keyFile is the personal-data key set a process runs with, the file it was
// read from ("" when it came from MINYI_KEYS) and the vault that uses it, so
// that a running server can load a rotated file.
type keyFile struct {
	path      string
	modTime   time.Time
	keys      *privacy.Keys
	vault     *privacy.Vault
	protector *privacy.Protector // owns vault; nil until app.Protector runs
}

// reloadKeys loads the key file again when it changed since it was read, as
// after "minyi keys rotate", and gives the vault the new keys. The keyed
// hashes (blind index, progress) must not change, because the stored hashes
// would stop matching.
func (a *app) reloadKeys() error {
	kf := a.keys
	if kf == nil || kf.path == "" || kf.vault == nil {
		return nil
	}
	info, err := os.Stat(kf.path)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	if info.ModTime().Equal(kf.modTime) {
		return nil
	}
	k, err := privacy.ReadKeysFile(kf.path)
	if err != nil {
		return err
	}
	if !bytes.Equal(k.BlindIndex, kf.keys.BlindIndex) || !bytes.Equal(k.Progress, kf.keys.Progress) {
		return fmt.Errorf("key file %s changed its blind_index or progress key; restore them", kf.path)
	}
	if err := kf.vault.SetKeys(k); err != nil {
		return err
	}
	kf.keys, kf.modTime = k, info.ModTime()
	a.log.Info("loaded the rotated personal-data keys", "primary", k.Primary, "keys", len(k.AEAD))
	return nil
}

// keysReloadInterval is how often "minyi serve" checks the key file; a
// rotation waits twice as long before it re-encrypts.
const keysReloadInterval = time.Minute

func runKeys(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{"want a subcommand: rotate, retire ID or list"}
	}
	switch args[0] {
	case "rotate":
		return runKeysRotate(ctx, a, args[1:])
	case "retire":
		return runKeysRetire(ctx, a, args[1:])
	case "list":
		return runKeysList(ctx, a, args[1:])
	}
	return usageError{fmt.Sprintf("unknown subcommand %q: want rotate, retire ID or list", args[0])}
}

// keyFileForChange returns the keys and the file they came from, which a
// change writes back. Keys given in MINYI_KEYS cannot be changed in place.
func (a *app) keyFileForChange() (*privacy.Keys, string, error) {
	if os.Getenv(privacy.KeysFileEnv) == "" && os.Getenv(privacy.KeysEnv) != "" {
		return nil, "", errors.New("the keys come from MINYI_KEYS; move them to a file named by MINYI_KEYS_FILE to rotate")
	}
	k, err := a.Keys()
	if err != nil {
		return nil, "", fmt.Errorf("personal-data keys: %w", err)
	}
	return k, a.keys.path, nil
}

func runKeysRotate(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	batch := fs.Int("batch", 500, "rows re-encrypted per transaction")
	settle := fs.Duration("settle", 2*keysReloadInterval,
		"wait this long after writing the new key so running servers load it before rows move to it")
	resume := fs.Bool("resume", false, "add no key; finish moving rows to the current primary key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *batch <= 0 || *settle < 0 || fs.NArg() > 0 {
		return usageError{"--batch must be positive, --settle not negative, and no arguments follow"}
	}
	k, path, err := a.keyFileForChange()
	if err != nil {
		return err
	}
	if !*resume {
		id, err := k.AddKey()
		if err != nil {
			return err
		}
		if err := k.ReplaceFile(path); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added key %s as the primary key in %s; older keys stay until retired\n", id, path)
		if *settle > 0 {
			fmt.Fprintf(a.stdout, "waiting %s for running servers to load it …\n", *settle)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(*settle):
			}
		}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	vault, err := privacy.NewVault(k)
	if err != nil {
		return err
	}
	// RotateProgress reports a table's running total after every batch,
	// including the last, empty batch that ends it, so a total is printed
	// only when it first appears or changes.
	lastTable, lastMoved := "", -1
	moved, err := vault.RotateProgress(ctx, db, *batch, func(table string, n int) {
		if table == lastTable && n == lastMoved {
			return
		}
		lastTable, lastMoved = table, n
		fmt.Fprintf(a.stdout, "%s: %s re-encrypted\n", table, countRows(n))
	})
	if err != nil {
		return fmt.Errorf("re-encryption stopped after %d rows (run \"minyi keys rotate --resume\" to finish): %w",
			moved, err)
	}
	left := 0
	for _, key := range k.AEAD {
		if key.ID == k.Primary {
			continue
		}
		n, err := privacy.KeyUsage(ctx, db, key.ID)
		if err != nil {
			return err
		}
		left += n
	}
	fmt.Fprintf(a.stdout, "rotation to key %s done: %s re-encrypted, %s left on older keys\n",
		k.Primary, countRows(moved), countRows(left))
	if left > 0 {
		return fmt.Errorf("%s still on older keys, written by a server that has not loaded key %s; "+
			"run \"minyi keys rotate --resume\" again", countRows(left), k.Primary)
	}
	return nil
}

// countRows returns n with "row" or "rows".
func countRows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

func runKeysRetire(ctx context.Context, a *app, args []string) error {
	if len(args) != 1 {
		return usageError{"want one key id: minyi keys retire ID"}
	}
	id := args[0]
	k, path, err := a.keyFileForChange()
	if err != nil {
		return err
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	n, err := privacy.KeyUsage(ctx, db, id)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("key %s still seals %d values; run \"minyi keys rotate --resume\" first", id, n)
	}
	if err := k.RemoveKey(id); err != nil {
		return err
	}
	if err := k.ReplaceFile(path); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "retired key %s from %s\n", id, path)
	return nil
}

func runKeysList(ctx context.Context, a *app, args []string) error {
	if len(args) != 0 {
		return usageError{"keys list takes no arguments"}
	}
	k, err := a.Keys()
	if err != nil {
		return fmt.Errorf("personal-data keys: %w", err)
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	for _, key := range k.AEAD {
		n, err := privacy.KeyUsage(ctx, db, key.ID)
		if err != nil {
			return err
		}
		primary := ""
		if key.ID == k.Primary {
			primary = " (primary)"
		}
		fmt.Fprintf(a.stdout, "%s\t%s\t%d values%s\n", key.ID, key.Algorithm, n, primary)
	}
	return nil
}
