package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"minyi/store"
)

// Key is the Ed25519 key that signs checkpoints. Its name is the log's origin,
// the first line of every checkpoint.
type Key struct {
	Origin      string
	Signer      note.Signer
	Verifier    note.Verifier
	VerifierKey string // the verifier in signed-note text form, as "minyi audit pubkey" prints it
}

// LoadOrCreateKey reads the signing key stored at path, or creates a new key
// named origin there (mode 0600) if the file does not exist. An existing key
// with another name is rejected; an empty origin accepts any name. The file
// holds the key in signed-note private-key form ("PRIVATE+KEY+name+...").
func LoadOrCreateKey(path, origin string) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read key: %w", err)
	}
	k, err := parseSignerKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit: key file %s: %w", path, err)
	}
	if origin != "" && k.Origin != origin {
		return nil, fmt.Errorf("audit: key file %s is for origin %q, not %q", path, k.Origin, origin)
	}
	return k, nil
}

// ErrKeyNotFound is returned by LoadOrCreateKeyForDB when the key file is
// missing but the database holds checkpoints signed with an earlier key.
var ErrKeyNotFound = errors.New("audit: signing key not found")

// LoadOrCreateKeyForDB is LoadOrCreateKey for the log in q. It creates a new
// key only while q holds no signed checkpoint. Otherwise a missing key file
// returns an error matching ErrKeyNotFound that names the key the newest
// checkpoint was signed with, because a second key would sign checkpoints
// that the first key's verifiers reject.
func LoadOrCreateKeyForDB(ctx context.Context, q store.Querier, path, origin string) (*Key, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return LoadOrCreateKey(path, origin)
	}
	last, err := latestCheckpoint(ctx, q)
	if err != nil {
		return nil, err
	}
	if last == nil {
		return LoadOrCreateKey(path, origin)
	}
	abs, _ := filepath.Abs(path)
	return nil, fmt.Errorf("%w: %s does not exist, and the database holds audit checkpoints up to tree size %d "+
		"signed with key %s, so minyi does not create a new signing key for it. "+
		"Set MINYI_AUDIT_KEY to the key file of the server that signed them, "+
		"and MINYI_AUDIT_CHECKPOINTS to its checkpoint file (the audit commands also take --signing-key "+
		"and --checkpoints); "+
		"copy the key file securely (mode 0600) if that server runs on another machine",
		ErrKeyNotFound, abs, last.Size, noteSigners(last.Note))
}

// SignedNewestCheckpoint reports whether k signed the newest checkpoint in
// q. It returns true when q holds no checkpoint, and otherwise the signer
// names and key hashes of that checkpoint ("name+hash").
func (k *Key) SignedNewestCheckpoint(ctx context.Context, q store.Querier) (bool, string, error) {
	last, err := latestCheckpoint(ctx, q)
	if err != nil || last == nil {
		return last == nil, "", err
	}
	if _, err := note.Open(last.Note, note.VerifierList(k.Verifier)); err == nil {
		return true, "", nil
	}
	return false, noteSigners(last.Note), nil
}

// noteSigners returns the names and key hashes ("name+hash") of the
// signatures on a signed note, without verifying them.
func noteSigners(msg []byte) string {
	_, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return "(unknown)"
	}
	var keys []string
	for _, s := range unverified.Note.UnverifiedSigs {
		keys = append(keys, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	return strings.Join(keys, ", ")
}

func createKey(path, origin string) (*Key, error) {
	if origin == "" {
		return nil, fmt.Errorf("audit: key file %s not found and no origin given to create one", path)
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("audit: generate key for origin %q: %w", origin, err)
	}
	k, err := parseSignerKey(skey)
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit: create key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first; use that one.
		return LoadOrCreateKey(path, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: create key: %w", err)
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("audit: write key %s: %w", path, err)
	}
	return k, nil
}

// parseSignerKey reads a signed-note private key and derives its verifier.
// The note package has no function that derives the verifier key, so the
// private key is decoded here. Its format is PRIVATE+KEY+name+hash+base64,
// where the base64 part is the algorithm byte 1 (Ed25519) and a 32-byte seed.
func parseSignerKey(skey string) (*Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("invalid signing key: %w", err)
	}
	// The name contains no "+" but the base64 key may, so split at most 4 times.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return nil, errors.New("invalid signing key: want PRIVATE+KEY+name+hash+key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("invalid signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("invalid signing key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("invalid signing key: %w", err)
	}
	if verifier.KeyHash() != signer.KeyHash() {
		return nil, errors.New("invalid signing key: derived verifier does not match")
	}
	return &Key{Origin: signer.Name(), Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}

// ParseVerifier reads a verifier key in signed-note form
// ("name+hash+base64"), given either as the key itself or as the path of a
// file that contains it.
func ParseVerifier(keyOrPath string) (note.Verifier, error) {
	text := strings.TrimSpace(keyOrPath)
	if b, err := os.ReadFile(keyOrPath); err == nil {
		text = strings.TrimSpace(string(b))
	}
	if strings.HasPrefix(text, "PRIVATE+KEY+") {
		return nil, errors.New("audit: that is the private signing key; give the verifier key that \"minyi audit pubkey\" prints")
	}
	v, err := note.NewVerifier(text)
	if err != nil {
		return nil, fmt.Errorf("audit: invalid verifier key (want name+hash+key or a file containing it): %w", err)
	}
	return v, nil
}

// DefaultPaths returns where the signing key and the checkpoint file live for
// a SQLite database at dbPath: beside it, named after it
// ("minyi-police.db" gives "minyi-police.audit.key" and
// "minyi-police.audit.checkpoints").
func DefaultPaths(dbPath string) (keyPath, checkpointPath string) {
	base := strings.TrimSuffix(dbPath, filepath.Ext(dbPath))
	return base + ".audit.key", base + ".audit.checkpoints"
}
