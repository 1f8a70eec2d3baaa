package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyi/classify"
)

// CitizenOptions configures the citizen pages and the QR codes behind them.
type CitizenOptions struct {
	// PublicURL is the base address printed in QR codes, such as
	// "https://minyi.example.cn" (MINYI_PUBLIC_URL). Empty means the address
	// the request came to.
	PublicURL string
	// Limits sizes the rate limits; the zero value means DefaultCitizenLimits.
	Limits CitizenLimits
	// RatingPeriod allows one rating per device per officer (or per code
	// without an officer) within it. Zero means 24 hours.
	RatingPeriod time.Duration
	// TrustProxy takes the client address from the last X-Forwarded-For
	// entry, for a server behind one reverse proxy that sets it. Staff
	// sign-in throttling and the audit log follow it too.
	TrustProxy bool
	// Urgent reports whether a text reads like an emergency; nil means
	// classify.Urgent.
	Urgent func(text string) (bool, string)
	// RetentionYears is the retention period that the consent text states
	// for personal data after an item ends. Zero means 3.
	// NOTE: no job deletes personal data after this period yet.
	RetentionYears int
	// Now is the clock of the rate limits and ratings; nil means time.Now.
	Now func() time.Time
}

func (o CitizenOptions) withDefaults() CitizenOptions {
	if o.Limits == (CitizenLimits{}) {
		o.Limits = DefaultCitizenLimits
	}
	if o.Limits.PerCodeAddress == (Rate{}) {
		o.Limits.PerCodeAddress = DefaultCitizenLimits.PerCodeAddress
	}
	if o.Limits.NewDevicePerAddress == (Rate{}) {
		o.Limits.NewDevicePerAddress = DefaultCitizenLimits.NewDevicePerAddress
	}
	if o.Limits.RatingsPerAddress <= 0 {
		o.Limits.RatingsPerAddress = DefaultCitizenLimits.RatingsPerAddress
	}
	if o.RatingPeriod <= 0 {
		o.RatingPeriod = 24 * time.Hour
	}
	if o.Urgent == nil {
		o.Urgent = classify.Urgent
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetentionYears <= 0 {
		o.RetentionYears = 3
	}
	return o
}

// citizen serves the citizen pages.
type citizen struct {
	s      *Server
	opts   CitizenOptions
	limit  *rateLimiter
	sealer *phoneSealer
	// deviceKey signs device cookies, and addressKey hashes client
	// addresses. Both derive from the personal-data keys when the server has them.
	deviceKey  []byte
	addressKey []byte
}

// citizenRoutes is the route table of the citizen pages, the QR code images
// and sheets, the code administration API and the static files.
func (s *Server) citizenRoutes() []Route {
	c := &citizen{s: s, opts: s.citizenOpts.withDefaults(), sealer: newPhoneSealer()}
	c.limit = newRateLimiter(c.opts.Now)
	c.deviceKey, c.addressKey = citizenKeys(s.protector)
	return []Route{
		{"GET", "/static/{path...}", PermPublic, serveStatic},

		{"GET", "/c/{code}", PermPublic, c.page(c.landing)},
		{"GET", "/c/{code}/qr.png", PermPublic, c.qrPNG},
		{"GET", "/c/{code}/qr.svg", PermPublic, c.qrSVG},
		{"GET", "/c/{code}/sheet", PermPublic, c.page(c.codeSheet)},
		{"GET", "/c/{code}/form", PermPublic, c.page(c.formPage)},
		{"POST", "/c/{code}/form", PermPublic, c.page(c.formPost)},
		{"GET", "/c/{code}/rate", PermPublic, c.page(c.ratePage)},
		{"POST", "/c/{code}/rate", PermPublic, c.page(c.ratePost)},
		{"POST", "/c/{code}/rate/{id}/complaint", PermPublic, c.page(c.rateComplaint)},
		{"GET", "/c/{code}/praise", PermPublic, c.page(c.praisePage)},
		{"POST", "/c/{code}/praise", PermPublic, c.page(c.praisePost)},

		{"GET", "/{$}", PermPublic, rootRedirect},
		{"GET", "/form", PermPublic, c.page(c.formPage)},
		{"POST", "/form", PermPublic, c.page(c.formPost)},
		{"GET", "/p", PermPublic, c.page(c.progressLookup)},
		{"POST", "/p", PermPublic, c.page(c.progressPost)},
		{"POST", "/p/act", PermPublic, c.page(c.progressAct)},

		{"GET", "/api/codes", PermCodeManage, c.apiListCodes},
		{"POST", "/api/codes", PermCodeManage, c.apiCreateCode},
		{"POST", "/api/codes/{id}/revoke", PermCodeManage, c.apiRevokeCode},
		{"POST", "/api/codes/{id}/reissue", PermCodeManage, c.apiReissueCode},
		{"GET", "/codes/sheet", PermCodeManage, c.page(c.bulkSheet)},
		{"GET", "/api/photos/{id}", PermTicketRead, c.apiPhoto},
	}
}

//go:embed templates/citizen
var citizenTemplateFS embed.FS

// citizenTemplates holds one template set per page, each the layout plus the
// page. They are parsed when the package loads, so a broken template stops
// the program at start, not at a page view.
var citizenTemplates = parseCitizenTemplates()

func parseCitizenTemplates() map[string]*template.Template {
	sub, err := fs.Sub(citizenTemplateFS, "templates/citizen")
	if err != nil {
		panic(err)
	}
	pages, err := fs.Glob(sub, "*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(p, ".html")
		switch p {
		case "layout.html":
			continue
		case "sheet.html": // a print page with a layout of its own
			out[name] = template.Must(template.New(p).Funcs(citizenFuncs).ParseFS(sub, p))
			continue
		}
		out[name] = template.Must(template.New(p).Funcs(citizenFuncs).ParseFS(sub, "layout.html", p))
	}
	return out
}

var citizenFuncs = template.FuncMap{
	"static": staticURL,
	"add":    func(a, b int) int { return a + b },
}

// citizenHeaders sets the headers of every citizen page. The policy admits
// only scripts and styles served by minyi itself, so nothing a citizen wrote
// can run as script. Its form-action keeps forms on this site.
func citizenHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// citizenPageFunc handles a citizen page and returns the template and its data, or
// an empty name when it wrote the response itself.
type citizenPageFunc func(w http.ResponseWriter, r *http.Request) (string, any, int)

// page wraps a citizenPageFunc: it sets the security headers and the device
// cookie, and renders the template it returns. A 429 page gets a Retry-After
// header, from the rate limit that rejected the request unless the handler
// set one itself.
func (c *citizen) page(fn citizenPageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		citizenHeaders(w.Header())
		c.ensureDevice(w, r)
		wait := new(time.Duration)
		r = r.WithContext(context.WithValue(r.Context(), retryAfterKey{}, wait))
		name, data, status := fn(w, r)
		if name == "" {
			return
		}
		if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			setRetryAfter(w.Header(), *wait)
		}
		c.render(w, r, name, data, status)
	}
}

// retryAfterKey is the context key of a citizen request's *time.Duration,
// in which the rate limit checks store how long a rejected client must wait.
type retryAfterKey struct{}

// noteWait records d as the wait of a request that a rate limit rejected.
func noteWait(r *http.Request, d time.Duration) {
	if p, ok := r.Context().Value(retryAfterKey{}).(*time.Duration); ok {
		*p = max(*p, d)
	}
}

// setRetryAfter sets Retry-After to d in whole seconds, rounded up and at
// least 1 (RFC 9110, section 10.2.3).
func setRetryAfter(h http.Header, d time.Duration) {
	secs := max(int64(1), int64((d+time.Second-1)/time.Second))
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
}

func (c *citizen) render(w http.ResponseWriter, r *http.Request, name string, data any, status int) {
	t, ok := citizenTemplates[name]
	if !ok {
		c.s.log.Error("missing citizen template", "request_id", RequestID(r.Context()), "template", name)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		c.s.log.Error("citizen template failed", "request_id", RequestID(r.Context()), "template", name, "error", err)
		http.Error(w, "内部错误，请稍后再试", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// clientAddr returns the client's IP address.
func (c *citizen) clientAddr(r *http.Request) string {
	return requestAddr(r, c.opts.TrustProxy)
}

// allowPost takes a token for a form post from the buckets of the device,
// the client address and, for a post to a code, the code from that address.
// A rejected request takes no token from any of them.
func (c *citizen) allowPost(r *http.Request, codeID string) bool {
	address := c.addressBlock(r)
	keys := []string{"d:" + c.device(r), "a:" + address}
	rates := []Rate{c.opts.Limits.PerDevice, c.opts.Limits.PerAddress}
	if codeID != "" {
		keys, rates = append(keys, "ca:"+codeID+"\x00"+address), append(rates, c.opts.Limits.PerCodeAddress)
	}
	ok, wait := c.limit.allowWait(keys, rates)
	if !ok {
		noteWait(r, wait)
	}
	return ok
}

// allowLookup takes a token for a progress lookup or action.
func (c *citizen) allowLookup(r *http.Request) bool {
	ok, wait := c.limit.allowWait([]string{"ld:" + c.device(r), "la:" + c.addressBlock(r)},
		[]Rate{c.opts.Limits.LookupPerDevice, c.opts.Limits.LookupPerAddress})
	if !ok {
		noteWait(r, wait)
	}
	return ok
}

// newFormKey returns 128 random bits in hex, for form keys and device ids.
func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func validFormKey(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// publicURL returns the base address for codes.
func (c *citizen) publicURL(r *http.Request) string {
	if c.opts.PublicURL != "" {
		return strings.TrimRight(c.opts.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// rootRedirect sends a visitor of the bare address to the general citizen
// form, the page most people who type the address are looking for; staff go
// to /console, which sends them to sign in.
func rootRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/form", http.StatusSeeOther)
}
