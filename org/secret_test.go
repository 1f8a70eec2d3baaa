package org_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/store"
	"minyi/store/storetest"
)

func testVault(t *testing.T) (*privacy.Keys, *privacy.Vault) {
	t.Helper()
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	vault, err := privacy.NewVault(keys)
	if err != nil {
		t.Fatal(err)
	}
	return keys, vault
}

// storedTOTP returns an account's totp_secret and totp_key_id columns.
func storedTOTP(t *testing.T, db *store.DB, name string) (text, keyID string) {
	t.Helper()
	err := db.QueryRowContext(context.Background(), `SELECT COALESCE(totp_secret, ''), COALESCE(totp_key_id, '')
		FROM accounts WHERE name = ?`, name).Scan(&text, &keyID)
	if err != nil {
		t.Fatal(err)
	}
	return text, keyID
}

func currentCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := org.TOTPCode(secret, org.TOTPStep(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTPSecretSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		_, vault := testVault(t)
		secret, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, vault, "dongguan", secret); err != nil {
			t.Fatal(err)
		}
		text, keyID := storedTOTP(t, db, "dongguan")
		if strings.Contains(strings.ToUpper(text), secret) {
			t.Errorf("stored totp_secret %q contains the base32 secret", text)
		}
		if keyID != vault.PrimaryKeyID() {
			t.Errorf("totp_key_id = %q, want the primary key %q", keyID, vault.PrimaryKeyID())
		}

		acct, _ := org.AccountByName(ctx, db, "dongguan")
		now := time.Now()
		if err := org.VerifyTOTP(ctx, db, vault, acct.ID, currentCode(t, secret, now), now); err != nil {
			t.Errorf("verify a code of the sealed secret: %v", err)
		}

		// The ciphertext is bound to its account: copied to another, it does not open.
		other, _ := org.AccountByName(ctx, db, "binjiang")
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = ? WHERE id = ?`,
			text, keyID, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := org.TOTPSecretOf(ctx, db, vault, other.ID); !errors.Is(err, privacy.ErrDecrypt) {
			t.Errorf("secret copied to another account: err = %v, want ErrDecrypt", err)
		}

		// Without the keys, sign-in fails instead of reading the column.
		if err := org.VerifyTOTP(ctx, db, nil, acct.ID, "000000", now); !errors.Is(err, org.ErrNoVault) {
			t.Errorf("verify without a vault: err = %v, want ErrNoVault", err)
		}
	})
}

func TestTOTPClearSecretSealedOnUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		_, vault := testVault(t)
		secret, _ := org.NewTOTPSecret()
		// A row written before sealing: the secret in clear, no key id.
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = NULL WHERE name = ?`,
			secret, "dongguan"); err != nil {
			t.Fatal(err)
		}
		acct, _ := org.AccountByName(ctx, db, "dongguan")
		now := time.Now()
		if err := org.VerifyTOTP(ctx, db, vault, acct.ID, currentCode(t, secret, now), now); err != nil {
			t.Fatalf("verify a clear secret: %v", err)
		}
		text, keyID := storedTOTP(t, db, "dongguan")
		if text == secret || keyID != vault.PrimaryKeyID() {
			t.Errorf("after use: totp_secret %q with key %q, want it sealed under %q", text, keyID, vault.PrimaryKeyID())
		}
		later := now.Add(time.Minute)
		if err := org.VerifyTOTP(ctx, db, vault, acct.ID, currentCode(t, secret, later), later); err != nil {
			t.Errorf("verify after sealing: %v", err)
		}
	})
}

func TestSecretsRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		keys, vault := testVault(t)
		oldKey := keys.Primary
		sealed, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, vault, "dongguan", sealed); err != nil {
			t.Fatal(err)
		}
		clear, _ := org.NewTOTPSecret()
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ? WHERE name = ?`, clear, "binjiang"); err != nil {
			t.Fatal(err)
		}
		authKey, err := org.AuthKey(ctx, db, vault)
		if err != nil {
			t.Fatal(err)
		}

		newKey, err := keys.AddKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := vault.SetKeys(keys); err != nil {
			t.Fatal(err)
		}
		if _, err := vault.RotateProgress(ctx, db, 1, nil); err != nil {
			t.Fatal(err)
		}
		if n, err := privacy.KeyUsage(ctx, db, oldKey); err != nil || n != 0 {
			t.Errorf("old key still seals %d values (err %v), want 0", n, err)
		}
		if n, err := privacy.KeyUsage(ctx, db, newKey); err != nil || n != 3 {
			t.Errorf("new key seals %d values (err %v), want 2 TOTP secrets and the API-key HMAC key", n, err)
		}
		for name, secret := range map[string]string{"dongguan": sealed, "binjiang": clear} {
			acct, _ := org.AccountByName(ctx, db, name)
			if got, err := org.TOTPSecretOf(ctx, db, vault, acct.ID); err != nil || got != secret {
				t.Errorf("%s after rotation: secret read %v, want the one set", name, err)
			}
		}
		if got, err := org.AuthKey(ctx, db, vault); err != nil || !bytes.Equal(got, authKey) {
			t.Errorf("API-key HMAC key after rotation: %v, want the same key", err)
		}
	})
}

func TestAuthKeySealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		_, vault := testVault(t)
		key, err := org.AuthKey(ctx, db, vault)
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'auth_hmac_key'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, hex.EncodeToString(key)) || !strings.HasPrefix(stored, "sealed:v1:") {
			t.Errorf("settings value %q is not the sealed form", stored)
		}
		again, err := org.AuthKey(ctx, db, vault)
		if err != nil || !bytes.Equal(again, key) {
			t.Errorf("second read: %v, want the same key", err)
		}
		_, otherVault := testVault(t)
		if _, err := org.AuthKey(ctx, db, otherVault); !errors.Is(err, privacy.ErrDecrypt) {
			t.Errorf("read with other keys: err = %v, want ErrDecrypt", err)
		}
	})
}

func TestAuthKeyClearKeyStaysValid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db)
		// An older version stored the HMAC key in clear and issued a key with it.
		legacy := make([]byte, 32)
		for i := range legacy {
			legacy[i] = byte(i * 7)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('auth_hmac_key', ?)`,
			hex.EncodeToString(legacy)); err != nil {
			t.Fatal(err)
		}
		apiKey, _, err := org.CreateAPIKey(ctx, db, legacy, "dongguan", "station script", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}

		_, vault := testVault(t)
		key, err := org.AuthKey(ctx, db, vault)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(key, legacy) {
			t.Fatal("AuthKey replaced the clear key instead of sealing it")
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'auth_hmac_key'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, hex.EncodeToString(legacy)) {
			t.Errorf("settings still holds the key in clear: %q", stored)
		}
		if _, k, err := org.AccountByAPIKey(ctx, db, key, apiKey); err != nil || k.Label != "station script" {
			t.Errorf("API key issued before sealing: %v, want it valid", err)
		}
	})
}
