package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

func TestRelayDemo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		phone := genMobile("139")
		id := newTicket(t, db)
		if err := v.Put(ctx, db, id, FieldPhone, phone); err != nil {
			t.Fatal(err)
		}
		demo := NewDemoProvider()
		relay := NewRelay(v, demo, 10*time.Minute)
		staff := Staff{ID: 7, Phone: genMobile("186")}

		out, err := relay.Call(ctx, db, id, staff)
		if err != nil {
			t.Fatalf("call: %v", err)
		}
		if out.Status != OutcomeBound || out.MiddleNumber != "DEMO-0001" || out.BindingID == "" || out.ExpiresAt.IsZero() {
			t.Errorf("call outcome = %+v", out)
		}
		assertNoPhone(t, out, phone)
		if n := demo.Reached(phone); n != 1 {
			t.Errorf("provider reached the citizen %d times, want 1", n)
		}
		if err := relay.Release(ctx, out.BindingID); err != nil {
			t.Errorf("release: %v", err)
		}
		if demo.ActiveBindings() != 0 {
			t.Errorf("%d bindings left after release", demo.ActiveBindings())
		}
		if err := relay.Release(ctx, out.BindingID); !errors.Is(err, ErrBindingNotFound) {
			t.Errorf("second release: err = %v, want ErrBindingNotFound", err)
		}

		out, err = relay.SendTrackingCode(ctx, db, id, "MY2K7Q")
		if err != nil || out.Status != OutcomeSent {
			t.Fatalf("message: %+v, %v", out, err)
		}
		assertNoPhone(t, out, phone)
		if n := demo.Reached(phone); n != 2 {
			t.Errorf("provider reached the citizen %d times, want 2", n)
		}
		msgs, err := Messages(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "MY2K7Q") || msgs[0].At.IsZero() {
			t.Errorf("progress page messages = %+v", msgs)
		}
	})
}

func TestRelayFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		relay := NewRelay(v, NewDemoProvider(), 0)
		staff := Staff{ID: 7, Phone: genMobile("186")}
		withPhone, noPhone := newTicket(t, db), newTicket(t, db)
		if err := v.Put(ctx, db, withPhone, FieldPhone, genMobile("139")); err != nil {
			t.Fatal(err)
		}
		shredded := newTicket(t, db)
		if err := v.Put(ctx, db, shredded, FieldPhone, genMobile("139")); err != nil {
			t.Fatal(err)
		}
		if err := v.Shred(ctx, db, shredded); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name   string
			run    func() (Outcome, error)
			status string
		}{
			{"call without phone", func() (Outcome, error) { return relay.Call(ctx, db, noPhone, staff) }, OutcomeNoPhone},
			{"call shredded", func() (Outcome, error) { return relay.Call(ctx, db, shredded, staff) }, OutcomeNoPhone},
			{"message without phone", func() (Outcome, error) { return relay.Message(ctx, db, noPhone, "您好") }, OutcomeNoPhone},
			{"staff without phone", func() (Outcome, error) { return relay.Call(ctx, db, withPhone, Staff{ID: 8}) }, OutcomeFailed},
			{"empty message", func() (Outcome, error) { return relay.Message(ctx, db, withPhone, "  ") }, OutcomeFailed},
			{"long message", func() (Outcome, error) {
				return relay.Message(ctx, db, withPhone, strings.Repeat("长", maxMessageRunes+1))
			}, OutcomeFailed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := tt.run()
				if err == nil {
					t.Fatalf("no error, outcome %+v", out)
				}
				if out.Status != tt.status || out.Detail == "" {
					t.Errorf("outcome = %+v, want status %s with detail", out, tt.status)
				}
			})
		}
		msgs, err := Messages(ctx, db, withPhone)
		if err != nil || len(msgs) != 0 {
			t.Errorf("failed messages stored: %+v, %v", msgs, err)
		}
	})
}

// gateway is a fake telephony gateway on loopback.
type gateway struct {
	mu       sync.Mutex
	requests []map[string]any
	paths    []string
	status   int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer secret-token" ||
		r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.requests = append(g.requests, body)
	g.paths = append(g.paths, r.URL.Path)
	status := g.status
	g.mu.Unlock()
	if status != 0 {
		// A careless gateway echoes the request in its error body.
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
		return
	}
	switch r.URL.Path {
	case "/axb/bind":
		json.NewEncoder(w).Encode(map[string]string{"binding_id": "b-1", "middle_number": "DEMO-5555",
			"expires_at": "2030-01-01T00:00:00Z"})
	case "/axb/release", "/axb/sms":
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (g *gateway) last() (string, map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.paths) == 0 {
		return "", nil
	}
	return g.paths[len(g.paths)-1], g.requests[len(g.requests)-1]
}

func TestRelayHTTPGateway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gw := &gateway{}
		srv := httptest.NewServer(gw) // listens on 127.0.0.1
		defer srv.Close()
		provider, err := NewHTTPProvider(srv.URL+"/axb/", "secret-token")
		if err != nil {
			t.Fatal(err)
		}
		v := testVault(t, testKeys(t))
		phone := genMobile("139")
		id := newTicket(t, db)
		if err := v.Put(ctx, db, id, FieldPhone, spaced(phone, " ")); err != nil {
			t.Fatal(err)
		}
		relay := NewRelay(v, provider, 5*time.Minute)
		staffPhone := genMobile("186")

		out, err := relay.Call(ctx, db, id, Staff{ID: 1, Phone: "+86 " + staffPhone})
		if err != nil {
			t.Fatalf("call: %v", err)
		}
		if out.MiddleNumber != "DEMO-5555" || out.BindingID != "b-1" || !out.ExpiresAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("call outcome = %+v", out)
		}
		path, body := gw.last()
		if path != "/axb/bind" || body["citizen_phone"] != phone || body["staff_phone"] != staffPhone || body["ttl_seconds"] != 300.0 {
			t.Errorf("gateway got %s %v", path, body)
		}
		if err := relay.Release(ctx, "b-1"); err != nil {
			t.Errorf("release: %v", err)
		}
		if path, body := gw.last(); path != "/axb/release" || body["binding_id"] != "b-1" {
			t.Errorf("gateway got %s %v", path, body)
		}
		if _, err := relay.Message(ctx, db, id, "您好，请回电。"); err != nil {
			t.Fatalf("message: %v", err)
		}
		if path, body := gw.last(); path != "/axb/sms" || body["phone"] != phone || body["text"] != "您好，请回电。" {
			t.Errorf("gateway got %s %v", path, body)
		}

		gw.mu.Lock()
		gw.status = http.StatusBadGateway
		gw.mu.Unlock()
		out, err = relay.Message(ctx, db, id, "第二条")
		if err == nil || out.Status != OutcomeFailed || !strings.Contains(err.Error(), "status 502") {
			t.Errorf("failing gateway: %+v, %v", out, err)
		}
		assertNoPhone(t, out, phone)
		if err != nil && strings.Contains(err.Error(), phone) {
			t.Errorf("error contains the phone number: %v", err)
		}
		if msgs, _ := Messages(ctx, db, id); len(msgs) != 1 {
			t.Errorf("%d messages stored, want only the delivered one", len(msgs))
		}
	})
}

func TestHTTPProviderInvalidURL(t *testing.T) {
	for _, u := range []string{"", "gateway.internal", "ftp://host/x", "http://"} {
		if _, err := NewHTTPProvider(u, ""); err == nil {
			t.Errorf("NewHTTPProvider(%q) accepted", u)
		}
	}
}

// leakyProvider returns errors that quote the number it was given.
type leakyProvider struct{ DemoProvider }

func (p *leakyProvider) SendMessage(ctx context.Context, phone, text string) error {
	return errors.New("gateway rejected " + phone)
}

func TestRelayRedactsProviderErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVault(t, testKeys(t))
		phone := genMobile("139")
		id := newTicket(t, db)
		if err := v.Put(ctx, db, id, FieldPhone, phone); err != nil {
			t.Fatal(err)
		}
		out, err := NewRelay(v, &leakyProvider{}, 0).Message(ctx, db, id, "您好")
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(err.Error(), phone) {
			t.Errorf("error contains the phone number: %v", err)
		}
		assertNoPhone(t, out, phone)
	})
}

func assertNoPhone(t *testing.T, out Outcome, phone string) {
	t.Helper()
	data, _ := json.Marshal(out)
	if strings.Contains(string(data), phone) || strings.Contains(string(data), phone[7:]) && strings.Contains(string(data), phone[:3]) {
		t.Errorf("outcome shows the number: %s", data)
	}
}
