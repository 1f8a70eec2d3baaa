package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrDecrypt is returned when a ciphertext does not authenticate: it was
// altered, moved to another ticket or field, or sealed under another key.
var ErrDecrypt = errors.New("privacy: decryption failed")

// ErrUnknownKey is returned for a key id the cipher does not hold.
var ErrUnknownKey = errors.New("privacy: unknown key id")

// Cipher is an authenticated encryption with associated data under named
// keys. AES-256-GCM is built in ([NewAESGCM]); a deployment that must use SM4
// (in GCM mode, say) implements Cipher and passes it to NewVaultCipher.
type Cipher interface {
	// Seal encrypts plaintext under key keyID and binds it to associatedData.
	Seal(keyID string, plaintext, associatedData []byte) ([]byte, error)
	// Open decrypts a Seal output. It returns an error matching ErrDecrypt
	// when the ciphertext or the associated data differ from those sealed,
	// and ErrUnknownKey when it does not hold keyID.
	Open(keyID string, ciphertext, associatedData []byte) ([]byte, error)
}

// AESGCM is the standard library's AES-256-GCM with a random 96-bit nonce
// stored in front of each ciphertext. NIST SP 800-38D limits a key used with
// random nonces to 2^32 seals, far more than one bureau's tickets, so a
// rotation every few years stays well inside it.
type AESGCM struct {
	aeads map[string]cipher.AEAD
}

// NewAESGCM returns a cipher over the AES-256-GCM keys in k. Keys of other
// algorithms are skipped, so the primary key must be AES-256-GCM.
func NewAESGCM(k *Keys) (*AESGCM, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	c := &AESGCM{aeads: map[string]cipher.AEAD{}}
	for _, key := range k.AEAD {
		if key.Algorithm != AlgorithmAES256GCM {
			continue
		}
		block, err := aes.NewCipher(key.Key)
		if err != nil {
			return nil, fmt.Errorf("privacy: key %q: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("privacy: key %q: %w", key.ID, err)
		}
		c.aeads[key.ID] = aead
	}
	if c.aeads[k.Primary] == nil {
		return nil, fmt.Errorf("privacy: primary key %q is not %s", k.Primary, AlgorithmAES256GCM)
	}
	return c, nil
}

// Seal encrypts plaintext under keyID.
func (c *AESGCM) Seal(keyID string, plaintext, associatedData []byte) ([]byte, error) {
	aead := c.aeads[keyID]
	if aead == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	rand.Read(nonce) // since Go 1.24 crypto/rand.Read crashes the program rather than return an error
	return aead.Seal(nonce, nonce, plaintext, associatedData), nil
}

// Open decrypts a ciphertext sealed under keyID.
func (c *AESGCM) Open(keyID string, ciphertext, associatedData []byte) ([]byte, error) {
	aead := c.aeads[keyID]
	if aead == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	if len(ciphertext) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDecrypt
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, ciphertext[:n], ciphertext[n:], associatedData)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}
