package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/web"
	"minyi/workflow"
)

var allStaff = []ticket.Role{ticket.RoleCentre, ticket.RoleHandler, ticket.RoleLeader, ticket.RoleAuditor, ticket.RoleAdmin}

// wantRoles is the access matrix written out by hand, apart from the code's
// rolePermissions, so a change to either shows up as a failing test. A new
// permission needs a row here.
var wantRoles = map[web.Permission][]ticket.Role{
	web.PermSelf:               allStaff,
	web.PermUnitList:           allStaff,
	web.PermItemCreate:         {ticket.RoleCentre, ticket.RoleAdmin},
	web.PermTicketList:         {ticket.RoleCentre, ticket.RoleHandler, ticket.RoleLeader},
	web.PermTicketRead:         {ticket.RoleCentre, ticket.RoleHandler, ticket.RoleLeader},
	web.PermKPIRead:            {ticket.RoleCentre, ticket.RoleLeader, ticket.RoleAdmin},
	"ticket:triage":            {ticket.RoleCentre},
	"ticket:dispatch":          {ticket.RoleCentre},
	"ticket:approve":           {ticket.RoleCentre},
	"ticket:reject":            {ticket.RoleCentre},
	"ticket:callback":          {ticket.RoleCentre},
	"ticket:close":             {ticket.RoleCentre},
	"ticket:reopen":            {ticket.RoleCentre},
	"ticket:merge":             {ticket.RoleCentre},
	"ticket:invalidate":        {ticket.RoleCentre},
	"ticket:transfer_out":      {ticket.RoleCentre},
	"ticket:flag_urgent":       {ticket.RoleCentre},
	"ticket:grant_extension":   {ticket.RoleCentre},
	"ticket:deny_extension":    {ticket.RoleCentre},
	"ticket:supervise":         {ticket.RoleCentre, ticket.RoleLeader},
	"ticket:accept":            {ticket.RoleHandler},
	"ticket:reply":             {ticket.RoleHandler},
	"ticket:return":            {ticket.RoleHandler},
	"ticket:request_extension": {ticket.RoleHandler},
	"ticket:invite_cohandler":  {ticket.RoleCentre, ticket.RoleHandler},
	"ticket:note":              {ticket.RoleHandler},
	"code:manage":              {ticket.RoleAdmin},
	web.PermConsoleTriage:      {ticket.RoleCentre},
	web.PermConsoleReview:      {ticket.RoleCentre},
	web.PermConsoleSupervision: {ticket.RoleCentre, ticket.RoleLeader},
	web.PermAlertRead:          {ticket.RoleCentre},
	web.PermAlertAck:           {ticket.RoleCentre},
	web.PermOfficerRead:        {ticket.RoleCentre, ticket.RoleHandler, ticket.RoleLeader},
	web.PermTicketContact:      {ticket.RoleCentre, ticket.RoleHandler},
	web.PermTicketPhoneHint:    {ticket.RoleCentre},
	web.PermAuditRead:          {ticket.RoleAuditor},
	web.PermRoutingQuality:     {ticket.RoleCentre, ticket.RoleLeader},
	web.PermHotRead:            {ticket.RoleCentre, ticket.RoleLeader},
	"ticket:unmerge":           {ticket.RoleCentre},
	"ticket:rekind":            {ticket.RoleCentre},
	"ticket:dismiss_duplicate": {ticket.RoleCentre},
}

func roleIn(r ticket.Role, rs []ticket.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// TestEveryRouteHasPermission fails on a route whose permission the access
// matrix does not name.
func TestEveryRouteHasPermission(t *testing.T) {
	e := newAuthEnv(t, storetest.SQLite(t), web.AuthOptions{})
	seen := map[string]bool{}
	for _, rt := range e.web.Routes() {
		key := rt.Method + " " + rt.Pattern
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		if rt.Permission == "" || !web.Known(rt.Permission) {
			t.Errorf("%s needs permission %q, which no role holds and which is not public", key, rt.Permission)
		}
		if _, ok := wantRoles[rt.Permission]; !ok && rt.Permission != web.PermPublic {
			t.Errorf("%s: permission %q has no row in wantRoles", key, rt.Permission)
		}
	}
	for p, roles := range wantRoles {
		for _, r := range allStaff {
			if web.Allowed(r, p) != roleIn(r, roles) {
				t.Errorf("role %s, permission %s: code says %v, the written matrix says %v", r, p, web.Allowed(r, p), roleIn(r, roles))
			}
		}
	}
}

// matrixAccount is the account each role acts as; inside is a station in its
// unit subtree, outside one beyond it ("" when the whole bureau is in scope).
var matrixAccounts = []struct {
	name            string
	role            ticket.Role
	inside, outside string
}{
	{"centre1", ticket.RoleCentre, "ps-dongguan", ""},
	{"dongguan", ticket.RoleHandler, "ps-dongguan", "ps-binjiang"},
	{"qinghe-leader", ticket.RoleLeader, "ps-dongguan", "ps-binjiang"},
	{"auditor", ticket.RoleAuditor, "ps-dongguan", "ps-binjiang"},
	{"admin", ticket.RoleAdmin, "ps-dongguan", "ps-binjiang"},
}

var pathParam = regexp.MustCompile(`\{[a-z_]+(\.\.\.)?\}`)

// TestAccessMatrix runs every route as every role, on a ticket inside and
// outside the role's unit subtree, with a session cookie and its CSRF token.
// A role without the permission gets 403. A ticket route ("tickets/{id}") on
// a ticket outside the subtree gets 404. Otherwise the request must pass
// authorization: any status but 401 and 403 and a redirect to sign in, and
// for ticket routes also not 404 (a 409 for a state that does not allow the
// action passes). Other path parameters get the ticket's id or "x", which
// names no object, so a 404 there passes. A rejected write is checked by
// re-reading the database.
func TestAccessMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newAuthEnv(t, db, web.AuthOptions{})
		for _, rt := range e.web.Routes() {
			if rt.Permission == web.PermPublic {
				continue
			}
			for _, ma := range matrixAccounts {
				for _, where := range []string{ma.inside, ma.outside} {
					if where == "" {
						continue
					}
					name := rt.Method + " " + rt.Pattern + " as " + ma.name + " on " + where
					t.Run(name, func(t *testing.T) {
						tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民", CodeUnit: where})
						if err != nil {
							t.Fatal(err)
						}
						stateBefore, versionBefore := ticketRow(t, db, tk.ID)
						countBefore := ticketCount(t, db)
						path := pathParam.ReplaceAllStringFunc(rt.Pattern, func(p string) string {
							if p == "{id}" {
								return itoa(tk.ID)
							}
							return "x"
						})
						// ?id= serves look-up routes that take the ticket in the query.
						status, location := e.asSession(t, ma.name, rt.Method, path+"?id="+itoa(tk.ID))
						scoped := strings.Contains(rt.Pattern, "tickets/{id}")
						want := "allowed"
						switch {
						case !roleIn(ma.role, wantRoles[rt.Permission]):
							want = "403"
						case scoped && where == ma.outside:
							want = "404"
						}
						got := "allowed"
						switch {
						case status == 401 || status == 403:
							got = itoa(int64(status))
						case status == 404 && (scoped || !pathParam.MatchString(rt.Pattern)):
							got = "404"
						case status == http.StatusSeeOther && strings.HasPrefix(location, "/signin?next="):
							got = "redirected to sign-in"
						}
						if got != want {
							t.Fatalf("got %s (status %d), want %s", got, status, want)
						}
						if want != "allowed" && rt.Method != "GET" {
							if st, v := ticketRow(t, db, tk.ID); st != stateBefore || v != versionBefore {
								t.Fatalf("refused %s changed the ticket: %s v%d -> %s v%d", rt.Method, stateBefore, versionBefore, st, v)
							}
							if n := ticketCount(t, db); n != countBefore {
								t.Fatalf("refused %s created tickets: %d -> %d", rt.Method, countBefore, n)
							}
						}
					})
				}
			}
		}
	})
}

// asSession sends one request with a fresh session of the named account and
// the session's CSRF token, and returns the status and the Location header.
func (e *authEnv) asSession(t *testing.T, name, method, path string) (int, string) {
	t.Helper()
	ctx := context.Background()
	acct, err := org.AccountByName(ctx, e.db, name)
	if err != nil {
		t.Fatal(err)
	}
	id, err := org.CreateSession(ctx, e.db, acct.ID, "totp", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := org.SessionByID(ctx, e.db, id)
	if err != nil {
		t.Fatal(err)
	}
	var body *strings.Reader
	if method != "GET" {
		body = strings.NewReader("{}")
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.AddCookie(&http.Cookie{Name: "minyi_session", Value: id})
	req.Header.Set("X-CSRF-Token", sess.CSRF)
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func ticketCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
