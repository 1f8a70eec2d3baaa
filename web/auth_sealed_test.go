package web_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

func TestSignInWithSealedTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{}, "dongguan")
		var stored string
		if err := db.QueryRowContext(context.Background(), `SELECT totp_secret FROM accounts WHERE name = 'dongguan'`).
			Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToUpper(stored), e.secrets["dongguan"]) {
			t.Fatalf("totp_secret %q contains the base32 secret", stored)
		}
		e.browser(t).signIn("dongguan") // fails the test unless the code step succeeds
	})
}

func TestSignInWithClearTOTPSealsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{}, "dongguan")
		secret := e.secrets["dongguan"]
		// A secret that an older version stored in clear.
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET totp_secret = ?, totp_key_id = NULL WHERE name = 'dongguan'`,
			secret); err != nil {
			t.Fatal(err)
		}
		e.browser(t).signIn("dongguan")
		var stored, keyID string
		if err := db.QueryRowContext(ctx, `SELECT totp_secret, COALESCE(totp_key_id, '') FROM accounts
			WHERE name = 'dongguan'`).Scan(&stored, &keyID); err != nil {
			t.Fatal(err)
		}
		if stored == secret || keyID != e.prot.Vault().PrimaryKeyID() {
			t.Errorf("after sign-in: totp_secret %q with key %q, want it sealed under %q", stored, keyID,
				e.prot.Vault().PrimaryKeyID())
		}
	})
}

func TestAPIKeyFromClearHMACKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{})
		legacy := make([]byte, 32)
		for i := range legacy {
			legacy[i] = byte(255 - i)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('auth_hmac_key', ?)`,
			hex.EncodeToString(legacy)); err != nil {
			t.Fatal(err)
		}
		key, _, err := org.CreateAPIKey(ctx, db, legacy, "dongguan", "station script", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/tickets", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("key issued under the clear HMAC key: status %d, want 200", resp.StatusCode)
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'auth_hmac_key'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, hex.EncodeToString(legacy)) || !strings.HasPrefix(stored, "sealed:v1:") {
			t.Errorf("settings value %q, want the key sealed", stored)
		}
	})
}
