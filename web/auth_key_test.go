package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

func TestAPIKeyScopeAndRevocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{})
		secret, err := org.AuthKey(ctx, db, e.prot.Vault())
		if err != nil {
			t.Fatal(err)
		}
		intake, intakeKey, err := org.CreateAPIKey(ctx, db, secret, "centre1", "12345 platform", []string{"item:create"})
		if err != nil {
			t.Fatal(err)
		}
		station, _, err := org.CreateAPIKey(ctx, db, secret, "dongguan", "station script", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		call := func(key, method, path, body string) int {
			t.Helper()
			req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		item := `{"channel":"12345","external_id":"K-1","body":"路灯坏了"}`
		steps := []struct {
			name, key, method, path, body string
			want                          int
		}{
			{"scoped key, in scope", intake, "POST", "/api/items", item, http.StatusCreated},
			{"scoped key, outside its scope", intake, "GET", "/api/tickets", "", http.StatusForbidden},
			{"scoped key, not even self", intake, "GET", "/api/me", "", http.StatusForbidden},
			{"full key, role allows", station, "GET", "/api/tickets", "", http.StatusOK},
			{"full key, role lacks", station, "POST", "/api/items", item, http.StatusForbidden},
			{"key on a page route", station, "GET", "/account", "", http.StatusSeeOther},
			{"unknown key", "myk_" + strings.Repeat("A", 43), "GET", "/api/me", "", http.StatusUnauthorized},
			{"key with one character changed", station[:len(station)-1] + "x", "GET", "/api/me", "", http.StatusUnauthorized},
		}
		for _, s := range steps {
			if got := call(s.key, s.method, s.path, s.body); got != s.want {
				t.Errorf("%s: %d, want %d", s.name, got, s.want)
			}
		}
		if err := org.RevokeAPIKey(ctx, db, intakeKey.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := call(intake, "POST", "/api/items", `{"channel":"12345","external_id":"K-2","body":"x"}`); got != http.StatusUnauthorized {
			t.Errorf("revoked key: %d", got)
		}
		if err := org.SetDisabled(ctx, db, "dongguan", true); err != nil {
			t.Fatal(err)
		}
		if got := call(station, "GET", "/api/me", ""); got != http.StatusUnauthorized {
			t.Errorf("key of a disabled account: %d", got)
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT key_hash FROM api_keys WHERE id = ?`, intakeKey.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, intake[4:]) {
			t.Fatal("the key is stored in clear")
		}
	})
}

// clientCert makes a self-signed client certificate.
func clientCert(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func TestClientCertificateSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{}, "dongguan")
		mine, other := clientCert(t, "dongguan"), clientCert(t, "someone else")
		if err := org.SetCertFingerprint(ctx, db, "dongguan", web.CertFingerprint(mine.Leaf)); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(e.web)
		srv.TLS = web.ClientCertTLSConfig(nil)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		tlsEnv := *e
		tlsEnv.srv = srv
		for _, c := range []struct {
			name   string
			certs  []tls.Certificate
			direct bool // signed in without a code
		}{
			{"mapped certificate", []tls.Certificate{mine}, true},
			{"another certificate", []tls.Certificate{other}, false},
			{"no certificate", nil, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				tr := srv.Client().Transport.(*http.Transport).Clone()
				tr.TLSClientConfig.Certificates = c.certs
				jar, _ := cookiejar.New(nil)
				b := &browser{t: t, e: &tlsEnv, jar: jar, c: &http.Client{Jar: jar, Transport: tr,
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
				r := b.password("dongguan", testPassword)
				if c.direct {
					if r.status != http.StatusSeeOther || b.cookie("minyi_session") == "" {
						t.Fatalf("password with mapped certificate: %d", r.status)
					}
					if me := b.get("/api/me"); me.status != http.StatusOK {
						t.Fatalf("api/me: %d", me.status)
					}
					return
				}
				if r.status != http.StatusOK || !strings.Contains(r.body, `action="/signin/code"`) || b.cookie("minyi_session") != "" {
					t.Fatalf("password without the mapped certificate: %d", r.status)
				}
			})
		}
		// Over TLS the session cookie is Secure, HttpOnly and SameSite.
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.Certificates = []tls.Certificate{mine}
		jar, _ := cookiejar.New(nil)
		b := &browser{t: t, e: &tlsEnv, jar: jar, c: &http.Client{Jar: jar, Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		tok := formToken(t, b.get("/signin").body)
		req, _ := http.NewRequest("POST", srv.URL+"/signin", strings.NewReader(url.Values{"csrf_token": {tok},
			"name": {"dongguan"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var set string
		for _, h := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "minyi_session=") {
				set = h
			}
		}
		for _, attr := range []string{"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(set, attr) {
				t.Errorf("session cookie %q lacks %s", set, attr)
			}
		}
	})
}
