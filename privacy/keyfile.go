package privacy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// RemoveKey removes the AEAD key id from k. The primary key cannot be
// removed. Check with KeyUsage first that no stored value still needs it.
func (k *Keys) RemoveKey(id string) error {
	if id == k.Primary {
		return fmt.Errorf("privacy: keys: %s is the primary key and cannot be removed", id)
	}
	for i := range k.AEAD {
		if k.AEAD[i].ID == id {
			k.AEAD = append(k.AEAD[:i], k.AEAD[i+1:]...)
			return k.Validate()
		}
	}
	return fmt.Errorf("%w %q", ErrUnknownKey, id)
}

// ReplaceFile writes k over the key file at path. It writes a temporary file
// with mode 0600 in the same folder, syncs it and renames it over path, so a
// crash leaves the old file or the new one and never a partial one.
func (k *Keys) ReplaceFile(path string) error {
	if err := k.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return fmt.Errorf("privacy: keys: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".minyi-keys-*")
	if err != nil {
		return fmt.Errorf("privacy: keys: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(append(data, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("privacy: keys: replace %s: %w", path, err)
	}
	return nil
}
