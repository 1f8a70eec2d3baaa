package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// TestAPIKeyScopeMessage checks that a 403 names the API key's scopes when
// the role allows the request and the key's scopes do not.
func TestAPIKeyScopeMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{})
		secret, err := org.AuthKey(ctx, db, e.prot.Vault())
		if err != nil {
			t.Fatal(err)
		}
		intake, _, err := org.CreateAPIKey(ctx, db, secret, "centre1", "12345 platform", []string{"item:create"})
		if err != nil {
			t.Fatal(err)
		}
		station, _, err := org.CreateAPIKey(ctx, db, secret, "dongguan", "station script", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, key, method, path, body string
			wantMessage                   string
		}{
			{"scope lacks, role allows", intake, "POST", "/api/tickets/401/phone-hint", `{}`,
				"this API key's scopes do not include ticket:phone_hint"},
			{"scope lacks, role allows list", intake, "GET", "/api/tickets", "",
				"this API key's scopes do not include ticket:list"},
			{"role lacks, scope *", station, "POST", "/api/items", `{"channel":"12345","body":"x"}`,
				"your role may not do this"},
		}
		for _, c := range cases {
			req, _ := http.NewRequest(c.method, e.srv.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+c.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s: decode: %v", c.name, err)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", c.name, resp.StatusCode)
			}
			if body.Error.Code != "forbidden" {
				t.Errorf("%s: code %q, want forbidden", c.name, body.Error.Code)
			}
			if !strings.HasPrefix(body.Error.Message, c.wantMessage) {
				t.Errorf("%s: message %q, want it to start with %q", c.name, body.Error.Message, c.wantMessage)
			}
		}
	})
}
