package privacy

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Environment variables that locate the keys. MINYI_KEYS_FILE wins when both
// are set.
const (
	KeysFileEnv = "MINYI_KEYS_FILE"
	KeysEnv     = "MINYI_KEYS"
)

// AlgorithmAES256GCM is the name of the standard-library AEAD in a key file.
const AlgorithmAES256GCM = "AES-256-GCM"

// ErrNoKeys is returned by LoadKeys when neither MINYI_KEYS_FILE nor
// MINYI_KEYS is set.
var ErrNoKeys = errors.New("privacy: no keys: set " + KeysFileEnv + " to a key file or " + KeysEnv + " to its content")

// minSecretLen is the minimum length of the HMAC keys, the size of SHA-256.
const minSecretLen = 32

// Keys is the key material minyi keeps outside the database. Its JSON form is
// the key file:
//
//	{"primary": "k2",
//	 "aead": [{"id": "k1", "algorithm": "AES-256-GCM", "key": "<base64>"}, …],
//	 "blind_index": "<base64>", "progress": "<base64>"}
//
// New vault writes use the primary AEAD key; the others stay readable until a
// rotation has moved every row to the primary key.
type Keys struct {
	Primary    string    `json:"primary"`
	AEAD       []AEADKey `json:"aead"`
	BlindIndex []byte    `json:"blind_index"` // HMAC-SHA256 key for BlindIndex
	Progress   []byte    `json:"progress"`    // HMAC-SHA256 key for ProgressKey
}

// AEADKey is one encryption key with the id stored beside each ciphertext.
type AEADKey struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
	Key       []byte `json:"key"`
}

// GenerateKeys returns fresh random keys with one AES-256-GCM key, "k1", as
// the primary.
func GenerateKeys() (*Keys, error) {
	k := &Keys{BlindIndex: randomBytes(minSecretLen), Progress: randomBytes(minSecretLen)}
	if _, err := k.AddKey(); err != nil {
		return nil, err
	}
	return k, nil
}

// AddKey adds a new random AES-256-GCM key, makes it the primary and returns
// its id. Older keys stay readable. Run Vault.Rotate afterwards to move
// existing rows to the new key.
func (k *Keys) AddKey() (string, error) {
	id := ""
	for n := len(k.AEAD) + 1; ; n++ {
		id = "k" + strconv.Itoa(n)
		if k.aeadKey(id) == nil {
			break
		}
	}
	k.AEAD = append(k.AEAD, AEADKey{ID: id, Algorithm: AlgorithmAES256GCM, Key: randomBytes(32)})
	k.Primary = id
	return id, k.Validate()
}

// Clone returns a deep copy of k.
func (k *Keys) Clone() *Keys {
	c := &Keys{Primary: k.Primary, BlindIndex: clone(k.BlindIndex), Progress: clone(k.Progress)}
	for _, a := range k.AEAD {
		c.AEAD = append(c.AEAD, AEADKey{ID: a.ID, Algorithm: a.Algorithm, Key: clone(a.Key)})
	}
	return c
}

// Validate checks that the primary key exists, that key ids are unique and
// non-empty, and that every key has a usable length.
func (k *Keys) Validate() error {
	if k.Primary == "" {
		return errors.New("privacy: keys: missing primary key id")
	}
	seen := map[string]bool{}
	for _, a := range k.AEAD {
		if a.ID == "" || strings.ContainsAny(a.ID, " \t\n") {
			return fmt.Errorf("privacy: keys: invalid key id %q", a.ID)
		}
		if seen[a.ID] {
			return fmt.Errorf("privacy: keys: duplicate key id %q", a.ID)
		}
		seen[a.ID] = true
		if a.Algorithm == AlgorithmAES256GCM && len(a.Key) != 32 {
			return fmt.Errorf("privacy: keys: key %q: AES-256-GCM needs 32 bytes, got %d", a.ID, len(a.Key))
		}
		if len(a.Key) < 16 {
			return fmt.Errorf("privacy: keys: key %q is too short (%d bytes)", a.ID, len(a.Key))
		}
	}
	if !seen[k.Primary] {
		return fmt.Errorf("privacy: keys: primary key %q is not among the aead keys", k.Primary)
	}
	if len(k.BlindIndex) < minSecretLen {
		return fmt.Errorf("privacy: keys: blind_index key needs at least %d bytes, got %d", minSecretLen, len(k.BlindIndex))
	}
	if len(k.Progress) < minSecretLen {
		return fmt.Errorf("privacy: keys: progress key needs at least %d bytes, got %d", minSecretLen, len(k.Progress))
	}
	return nil
}

func (k *Keys) aeadKey(id string) *AEADKey {
	for i := range k.AEAD {
		if k.AEAD[i].ID == id {
			return &k.AEAD[i]
		}
	}
	return nil
}

// ParseKeys parses a key file's content: the JSON form of Keys, or that JSON
// encoded in standard base64 (convenient for an environment variable).
func ParseKeys(data []byte) (*Keys, error) {
	text := strings.TrimSpace(string(data))
	if !strings.HasPrefix(text, "{") {
		decoded, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, errors.New("privacy: keys: content is neither JSON nor base64-encoded JSON")
		}
		text = string(decoded)
	}
	var k Keys
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		// The decoder's message can quote input, which here is key material.
		return nil, errors.New("privacy: keys: invalid JSON key set")
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return &k, nil
}

// ReadKeysFile reads a key file. The file must not be readable or writable by
// group or others (chmod 600), because it protects every citizen's data.
func ReadKeysFile(path string) (*Keys, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("privacy: keys: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("privacy: keys: %s has mode %04o; run chmod 600 %s", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("privacy: keys: %w", err)
	}
	k, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

// LoadKeys loads the keys from the file named by MINYI_KEYS_FILE, or else
// from the content of MINYI_KEYS, looking variables up with getenv (pass
// os.Getenv). It returns ErrNoKeys when neither is set.
func LoadKeys(getenv func(string) string) (*Keys, error) {
	if path := getenv(KeysFileEnv); path != "" {
		return ReadKeysFile(path)
	}
	if content := getenv(KeysEnv); content != "" {
		k, err := ParseKeys([]byte(content))
		if err != nil {
			return nil, fmt.Errorf("%w (variable %s)", err, KeysEnv)
		}
		return k, nil
	}
	return nil, ErrNoKeys
}

// WriteFile writes k as a new key file with mode 0600. It fails with an error
// matching os.ErrExist rather than overwrite a file, because replacing a key
// file loses every value encrypted under keys missing from the new one.
func (k *Keys) WriteFile(path string) error {
	if err := k.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return fmt.Errorf("privacy: keys: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("privacy: keys: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("privacy: keys: write %s: %w", path, err)
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // since Go 1.24 crypto/rand.Read crashes the program rather than return an error
	return b
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
