package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTPProvider is a Provider for a telephony and SMS gateway that speaks
// JSON over HTTP. Each operation is a POST below BaseURL:
//
//	/bind     {"staff_phone", "citizen_phone", "ttl_seconds"} -> {"binding_id", "middle_number", "expires_at" (RFC 3339, optional)}
//	/release  {"binding_id"}
//	/sms      {"phone", "text"}
//
// Any 2xx status is success. Errors carry the status code but never the
// request or response body, which may contain the number.
type HTTPProvider struct {
	BaseURL string       // such as "https://gateway.internal/axb"
	Token   string       // sent as "Authorization: Bearer TOKEN" when not empty
	Client  *http.Client // http.Client with a 10-second timeout when nil
}

// NewHTTPProvider returns a provider for the gateway at baseURL, which must
// be an http or https URL.
func NewHTTPProvider(baseURL, token string) (*HTTPProvider, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("privacy: relay gateway: invalid URL %q, want http(s)://host/path", baseURL)
	}
	return &HTTPProvider{BaseURL: strings.TrimRight(baseURL, "/"), Token: token,
		Client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Bind requests a middle number from the gateway.
func (p *HTTPProvider) Bind(ctx context.Context, staffPhone, citizenPhone string, ttl time.Duration) (Binding, error) {
	var resp struct {
		BindingID    string `json:"binding_id"`
		MiddleNumber string `json:"middle_number"`
		ExpiresAt    string `json:"expires_at"`
	}
	req := map[string]any{"staff_phone": staffPhone, "citizen_phone": citizenPhone, "ttl_seconds": int(ttl.Seconds())}
	if err := p.post(ctx, "/bind", req, &resp); err != nil {
		return Binding{}, err
	}
	if resp.BindingID == "" || resp.MiddleNumber == "" {
		return Binding{}, errors.New("privacy: relay gateway: /bind response lacks binding_id or middle_number")
	}
	b := Binding{ID: resp.BindingID, MiddleNumber: resp.MiddleNumber}
	if resp.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, resp.ExpiresAt)
		if err != nil {
			return Binding{}, fmt.Errorf("privacy: relay gateway: /bind: invalid expires_at %q", resp.ExpiresAt)
		}
		b.ExpiresAt = t.UTC()
	}
	return b, nil
}

// Release ends a binding.
func (p *HTTPProvider) Release(ctx context.Context, bindingID string) error {
	return p.post(ctx, "/release", map[string]string{"binding_id": bindingID}, nil)
}

// SendMessage sends an SMS.
func (p *HTTPProvider) SendMessage(ctx context.Context, citizenPhone, text string) error {
	return p.post(ctx, "/sms", map[string]string{"phone": citizenPhone, "text": text}, nil)
}

// maxGatewayResponse caps the response body read from the gateway.
const maxGatewayResponse = 64 << 10

func (p *HTTPProvider) post(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("privacy: relay gateway: %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.BaseURL+path, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("privacy: relay gateway: %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error names the URL and the cause, never the body.
		return fmt.Errorf("privacy: relay gateway: %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxGatewayResponse))
	if err != nil {
		return fmt.Errorf("privacy: relay gateway: %s: read response: %w", path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("privacy: relay gateway: %s: status %d", path, resp.StatusCode)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("privacy: relay gateway: %s: invalid JSON response", path)
		}
	}
	return nil
}

// ErrBindingNotFound is returned by DemoProvider.Release for an unknown or
// already released binding.
var ErrBindingNotFound = errors.New("privacy: relay: binding not found")

// DemoProvider is a Provider for demonstrations and tests that places no
// calls and sends no SMS. Calls get a middle number of the form "DEMO-0001", which no phone
// network routes. Messages reach the citizen only through the copy that
// Relay.Message stores for the progress page. It counts contacts per number
// under an HMAC with a random per-process key, so a test can check that the
// relay reached a number while the provider holds no number in clear.
type DemoProvider struct {
	mu       sync.Mutex
	key      []byte
	next     int
	bindings map[string]time.Time // binding id -> expiry
	reached  map[string]int       // HMAC of a normalised number -> contacts
}

// NewDemoProvider returns an empty demo provider.
func NewDemoProvider() *DemoProvider {
	return &DemoProvider{key: randomBytes(32), bindings: map[string]time.Time{}, reached: map[string]int{}}
}

// Bind returns a fake middle number.
func (p *DemoProvider) Bind(ctx context.Context, staffPhone, citizenPhone string, ttl time.Duration) (Binding, error) {
	if _, ok := NormalizePhone(citizenPhone); !ok {
		return Binding{}, errors.New("privacy: demo relay: citizen phone is not a valid number")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	id := "demo-" + strconv.Itoa(p.next)
	expires := time.Now().Add(ttl).UTC()
	p.bindings[id] = expires
	p.reached[p.hash(citizenPhone)]++
	return Binding{ID: id, MiddleNumber: fmt.Sprintf("DEMO-%04d", p.next), ExpiresAt: expires}, nil
}

// Release deletes a binding.
func (p *DemoProvider) Release(ctx context.Context, bindingID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.bindings[bindingID]; !ok {
		return fmt.Errorf("%w: %s", ErrBindingNotFound, bindingID)
	}
	delete(p.bindings, bindingID)
	return nil
}

// SendMessage accepts the message and counts the contact.
func (p *DemoProvider) SendMessage(ctx context.Context, citizenPhone, text string) error {
	if _, ok := NormalizePhone(citizenPhone); !ok {
		return errors.New("privacy: demo relay: citizen phone is not a valid number")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reached[p.hash(citizenPhone)]++
	return nil
}

// Reached returns how many calls and messages went to phone.
func (p *DemoProvider) Reached(phone string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reached[p.hash(phone)]
}

// ActiveBindings returns the number of bindings not yet released.
func (p *DemoProvider) ActiveBindings() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.bindings)
}

func (p *DemoProvider) hash(phone string) string { return BlindIndex(p.key, phone) }
