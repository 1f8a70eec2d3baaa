package web_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"minyi/demo"
	"minyi/kpi"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

// scanPerson is a generated citizen whose numbers must never reach staff.
type scanPerson struct {
	phone, id string
}

// genIDNumber returns a generated 18-digit ID number with a valid check
// digit (GB 11643-1999).
func genIDNumber(rng *rand.Rand) string {
	base := fmt.Sprintf("430102%04d%02d%02d%03d", 1950+rng.IntN(50), 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == 'X' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// spaced writes an 11-digit phone as 3-4-4 groups joined by sep.
func spaced(phone, sep string) string { return phone[:3] + sep + phone[3:7] + sep + phone[7:] }

// canonicalDigits folds text so that a number matches in any format:
// full-width and other compatibility digits become ASCII (NFKC), x becomes X,
// and separators between two digits (spaces, dashes, dots, brackets, plus
// signs, slashes) are dropped.
func canonicalDigits(text string) string {
	runes := []rune(strings.ToUpper(norm.NFKC.String(text)))
	isDigit := func(r rune) bool { return r >= '0' && r <= '9' || r == 'X' }
	isSep := func(r rune) bool { return strings.ContainsRune(" \t\n\u00a0-–—.()+/_", r) }
	var b strings.Builder
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if isSep(r) && i > 0 && isDigit(runes[i-1]) {
			j := i
			for j < len(runes) && isSep(runes[j]) {
				j++
			}
			if j < len(runes) && isDigit(runes[j]) {
				i = j - 1
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decodeBody returns the text of a response as staff would read it: JSON
// strings unescaped, HTML entities decoded, and an .xlsx unzipped.
func decodeBody(t *testing.T, contentType string, body []byte) string {
	t.Helper()
	switch {
	case strings.Contains(contentType, "spreadsheetml"), bytes.HasPrefix(body, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("unzip %s: %v", contentType, err)
		}
		var b strings.Builder
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			b.WriteString(html.UnescapeString(string(data)))
		}
		return b.String()
	case strings.Contains(contentType, "json"):
		return jsonText(body)
	}
	return html.UnescapeString(string(body))
}

// jsonText returns every string, number and key of a JSON document (or of
// JSON lines) unescaped, falling back to the raw text.
func jsonText(body []byte) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				b.WriteString(k + " ")
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		default:
			fmt.Fprintf(&b, "%v\n", x)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			return html.UnescapeString(string(body))
		}
		walk(v)
	}
	return b.String()
}

// scanner finds the seeded numbers in decoded text.
type scanner struct {
	people []scanPerson
}

func (s scanner) find(text string) []string {
	canon := canonicalDigits(text)
	var out []string
	for _, p := range s.people {
		for _, n := range []string{p.phone, p.id} {
			if strings.Contains(canon, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// syncBuffer is a log sink shared by concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// plantHeader asks the leak-planting wrapper to add a number to a response.
const plantHeader = "X-Test-Plant-Leak"

// TestNoNumberReachesStaff seeds tickets whose phone and ID numbers sit in
// the personal fields and, in many formats, in the free text. It requests
// every route as every staff role, by session and by API key, and scans the
// decoded responses and the log for any of the numbers.
func TestNoNumberReachesStaff(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	keys, _ := privacy.GenerateKeys()
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	provider := privacy.NewDemoProvider()
	svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: fixedTagger{},
		Logger: logger, Relay: privacy.NewRelay(prot.Vault(), provider, 0), SMSTrackingCode: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Options{Service: svc, DB: db, Profile: p, Logger: logger, Protector: prot,
		KPI: func(ctx context.Context, from, to time.Time, unitID string) (any, error) {
			f := kpi.Filter{From: from, To: to, Loc: p.Location}
			if unitID != "" {
				f.UnitPath = p.UnitPath(unitID)
			}
			return kpi.Compute(ctx, db, f)
		}})

	rng := rand.New(rand.NewPCG(8, 8))
	var people []scanPerson
	seen := map[string]bool{}
	for len(people) < 6 {
		ph := demo.FakePhone(rng)
		if !seen[ph] {
			seen[ph] = true
			people = append(people, scanPerson{phone: ph, id: genIDNumber(rng)})
		}
	}
	sc := scanner{people: people}
	texts := []func(sp scanPerson) (title, body, place string){
		func(sp scanPerson) (string, string, string) {
			return "夜间噪音", "楼下夜间噪音扰民，我的电话是" + sp.phone + "请回电，身份证号" + sp.id, "东关路"
		},
		func(sp scanPerson) (string, string, string) {
			return "噪音 " + fullWidth(sp.phone), "联系方式：" + fullWidth(sp.phone) + "，证件" + fullWidth(sp.id), ""
		},
		func(sp scanPerson) (string, string, string) {
			return "噪音投诉", "请打 +86 " + spaced(sp.phone, " ") + " 找我，或者 0086-" + sp.phone, "门牌旁，电话" + spaced(sp.phone, "-")
		},
		func(sp scanPerson) (string, string, string) {
			return "噪音", "本人姓名贾测试，身份证" + strings.ToLower(sp.id) + "，手机" + spaced(sp.phone, " ") + "。", ""
		},
	}
	units := []string{"ps-dongguan", "ps-dongguan", "ps-binjiang", "tb-qinghe", "ps-dongguan", "ps-songlin"}
	var tickets []*ticket.Ticket
	for i, sp := range people {
		title, body, place := texts[i%len(texts)](sp)
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Title: title, Body: body, Place: place,
			CodeUnit: units[i], Phone: sp.phone, Name: "贾测试", IDNumber: sp.id})
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	actor := func(name string) ticket.Actor {
		a, err := org.AccountByName(ctx, db, name)
		if err != nil {
			t.Fatal(err)
		}
		return a.Actor()
	}
	centre, handler := actor("centre1"), actor("dongguan")
	act := func(id int64, who ticket.Actor, a ticket.Action, in ticket.Input) {
		t.Helper()
		if _, err := svc.Act(ctx, workflow.Command{TicketID: id, Actor: who, Action: a, Input: in}); err != nil {
			t.Fatalf("%s ticket %d: %v", a, id, err)
		}
	}
	// Ticket 0 goes round the loop with a reply that quotes the number.
	act(tickets[0].ID, handler, ticket.ActAccept, ticket.Input{})
	act(tickets[0].ID, handler, ticket.ActReply, ticket.Input{Reply: "已联系群众（" + spaced(people[0].phone, " ") + "），噪音源已整改"})
	act(tickets[0].ID, centre, ticket.ActApprove, ticket.Input{})
	for _, req := range []workflow.ContactRequest{
		{Channel: workflow.ContactCall, StaffPhone: "0731-88880000"},
		{Channel: workflow.ContactMessage, Text: "您反映的问题已办理，请留意回访"},
	} {
		if _, err := svc.Contact(ctx, centre, tickets[0].ID, req); err != nil {
			t.Fatal(err)
		}
	}
	act(tickets[0].ID, centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied})
	act(tickets[1].ID, handler, ticket.ActAccept, ticket.Input{})
	act(tickets[1].ID, handler, ticket.ActReply, ticket.Input{Reply: "已处理，回电 " + fullWidth(people[1].phone)})

	secret, err := org.AuthKey(ctx, db, prot.Vault())
	if err != nil {
		t.Fatal(err)
	}
	accounts := []string{"centre1", "dongguan", "qinghe-leader", "auditor", "admin"}
	apiKeys := map[string]string{}
	for _, name := range accounts {
		k, _, err := org.CreateAPIKey(ctx, db, secret, name, "scan", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		apiKeys[name] = k
	}

	// The wrapper plants one leak when asked, so the test shows that the
	// scan finds a number that does reach a response.
	plantedPhone := people[2].phone
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(plantHeader) == "" {
			srv.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		body := rec.Body.String()
		leak := "<p>联系电话 " + fullWidth(spaced(plantedPhone, " ")) + "</p>"
		w.Write([]byte(strings.Replace(body, "</body>", leak+"</body>", 1)))
	})
	ts := httptest.NewServer(wrapped)
	defer ts.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout: 30 * time.Second}

	type finding struct{ where, number string }
	var findings []finding
	requests := 0
	answered := map[string]int{} // 200 responses by auth method
	send := func(who, auth, method, path, contentType, body string, plant bool) string {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if plant {
			req.Header.Set(plantHeader, "1")
		}
		switch auth {
		case "session":
			acct, err := org.AccountByName(ctx, db, who)
			if err != nil {
				t.Fatal(err)
			}
			id, err := org.CreateSession(ctx, db, acct.ID, "totp", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			sess, err := org.SessionByID(ctx, db, id)
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: "minyi_session", Value: id})
			req.Header.Set("X-CSRF-Token", sess.CSRF)
			if contentType == "application/x-www-form-urlencoded" {
				form, _ := url.ParseQuery(body)
				form.Set("csrf_token", sess.CSRF)
				req.Body = io.NopCloser(strings.NewReader(form.Encode()))
				req.ContentLength = int64(len(form.Encode()))
			}
		case "key":
			req.Header.Set("Authorization", "Bearer "+apiKeys[who])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		requests++
		if resp.StatusCode == http.StatusOK {
			answered[auth]++
		}
		var headers strings.Builder
		for k, v := range resp.Header {
			headers.WriteString(k + ": " + strings.Join(v, " ") + "\n")
		}
		text := headers.String() + decodeBody(t, resp.Header.Get("Content-Type"), data)
		for _, n := range sc.find(text) {
			findings = append(findings, finding{fmt.Sprintf("%s %s as %s by %s (status %d)", method, path, who, auth,
				resp.StatusCode), n})
		}
		return text
	}

	// The planted leak must be found, and only where it was planted.
	plantPath := fmt.Sprintf("/console/tickets/%d", tickets[0].ID)
	send("centre1", "session", "GET", plantPath, "", "", true)
	if len(findings) != 1 || findings[0].number != plantedPhone {
		t.Fatalf("the scan missed the planted leak: %+v", findings)
	}
	findings = nil

	ids := []string{fmt.Sprint(tickets[0].ID), fmt.Sprint(tickets[2].ID), "999999"}
	query := "&q=" + url.QueryEscape("噪音") + "&from=2020-01-01&to=2030-12-31"
	for _, rt := range srv.Routes() {
		for _, who := range accounts {
			for _, auth := range []string{"session", "key"} {
				for _, id := range ids {
					path := pathParam.ReplaceAllStringFunc(rt.Pattern, func(p string) string {
						if p == "{id}" {
							return id
						}
						return "x"
					})
					switch rt.Method {
					case "GET":
						// Bare, and with the look-up id and a search filter.
						send(who, auth, "GET", path, "", "", false)
						send(who, auth, "GET", path+"?id="+id+query, "", "", false)
					default:
						path += "?id=" + id
						send(who, auth, rt.Method, path, "application/json", "{}", false)
						send(who, auth, rt.Method, path, "application/json", "{not json", false)
						send(who, auth, rt.Method, path, "application/x-www-form-urlencoded",
							"channel=message&text="+url.QueryEscape("请补充情况")+"&reason=scan", false)
					}
					if !strings.Contains(rt.Pattern, "{id}") {
						break
					}
				}
			}
		}
	}
	// Contact through both surfaces, and the citizen's own progress page.
	for _, auth := range []string{"session", "key"} {
		for _, who := range []string{"centre1", "dongguan"} {
			send(who, auth, "POST", fmt.Sprintf("/api/tickets/%d/contact", tickets[1].ID), "application/json",
				`{"channel":"call","staff_phone":"0731-88880001"}`, false)
			send(who, auth, "POST", fmt.Sprintf("/console/tickets/%d/contact", tickets[1].ID),
				"application/x-www-form-urlencoded", "channel=message&text="+url.QueryEscape("请补充地址"), false)
		}
	}
	for _, tk := range tickets[:2] {
		last4 := people[indexOf(tickets, tk)].phone[7:]
		send("citizen", "", "POST", "/p", "application/x-www-form-urlencoded",
			"code="+tk.TrackingCode+"&last4="+last4, false)
	}
	// The pages did show the tickets, masked, so the scan read real content.
	for _, check := range []struct{ auth, path, want string }{
		{"session", fmt.Sprintf("/console/tickets/%d", tickets[0].ID), "楼下夜间噪音扰民"},
		{"key", fmt.Sprintf("/api/tickets/%d", tickets[0].ID), "楼下夜间噪音扰民"},
		{"session", "/search/export.xlsx?q=" + url.QueryEscape("噪音"), "噪音"},
		{"key", "/api/search?q=" + url.QueryEscape("噪音"), "噪音"},
	} {
		if text := send("centre1", check.auth, "GET", check.path, "", "", false); !strings.Contains(text, check.want) {
			t.Errorf("%s by %s does not show %q, so the scan saw no ticket content", check.path, check.auth, check.want)
		}
	}
	if answered["session"] < 100 || answered["key"] < 50 {
		t.Errorf("only %d session and %d API-key requests were answered with 200", answered["session"], answered["key"])
	}
	t.Logf("scanned %d responses, %v answered with 200", requests, answered)
	for _, f := range findings {
		t.Errorf("number %s****%s in %s", f.number[:3], f.number[len(f.number)-4:], f.where)
	}
	scanner := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	lines := 0
	for scanner.Scan() {
		lines++
		for _, n := range sc.find(jsonText(scanner.Bytes())) {
			t.Errorf("number %s****%s in log line %d", n[:3], n[len(n)-4:], lines)
		}
	}
	if lines == 0 {
		t.Error("captured no log lines, so the log scan proves nothing")
	}
	// The relay did reach the numbers the scan looked for.
	for i := range 2 {
		if provider.Reached(people[i].phone) < 2 {
			t.Errorf("the relay reached person %d %d times, want at least 2", i, provider.Reached(people[i].phone))
		}
	}
	msgs, err := privacy.Messages(ctx, db, tickets[0].ID)
	if err != nil || len(msgs) < 2 {
		t.Errorf("relay messages of ticket 0: %d (%v), want the tracking code and the staff message", len(msgs), err)
	}
}

func indexOf(list []*ticket.Ticket, tk *ticket.Ticket) int {
	for i, x := range list {
		if x == tk {
			return i
		}
	}
	return -1
}

func TestCanonicalDigits(t *testing.T) {
	const phone = "19900001234"
	for _, c := range []struct {
		text string
		want bool
	}{
		{"电话19900001234。", true},
		{"+86 199 0000 1234", true},
		{"0086-199-0000-1234", true},
		{"１９９００００１２３４", true},
		{"（199）0000.1234", true},
		{"199 0000 123", false},
		{"199****1234", false},
	} {
		t.Run(c.text, func(t *testing.T) {
			if got := strings.Contains(canonicalDigits(c.text), phone); got != c.want {
				t.Errorf("found %v in %q (folded %q), want %v", got, c.text, canonicalDigits(c.text), c.want)
			}
		})
	}
}
