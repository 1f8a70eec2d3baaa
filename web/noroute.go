package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// noRoute writes the response to a request that no route matches. A path
// that a route serves with another method gets 405 with an Allow header (see
// methodNotAllowed). An API path gets the JSON not_found error. A staff path
// (see staffPrefixes) gets the console's 404 page when the request carries a
// valid session, and every other request gets the citizen pages' 404 page in
// Chinese.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	if allowed := s.allowedMethods(r); len(allowed) > 0 {
		s.methodNotAllowed(w, r, allowed)
		return
	}
	path := r.URL.Path
	if path == "/api" || strings.HasPrefix(path, "/api/") {
		writeError(w, r, s.log, errNoRoute)
		return
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if s.staffPrefixes[first] {
		id, err := s.authenticate(w, r, false)
		if err == nil && id.session != nil {
			ctx := context.WithValue(r.Context(), accountKey{}, id.account)
			ctx = context.WithValue(ctx, identityKey{}, id)
			s.consoleError(w, r.WithContext(ctx), errNoRoute)
			return
		}
		// A failed session lookup gets the plain 404 page below as well,
		// because no route serves this path for any account.
		if err != nil && !errors.Is(err, errUnauthenticated) {
			s.log.Error("session lookup for an unknown path failed", "request_id", RequestID(r.Context()),
				"path", path, "error", err)
		}
	}
	c := &citizen{s: s, opts: s.citizenOpts.withDefaults()}
	citizenHeaders(w.Header())
	name, data, status := c.message(http.StatusNotFound, "页面不存在",
		"没有找到这个页面，请检查网址。如遇紧急情况，请立即拨打 110。", "/form", "提交诉求")
	c.render(w, r, name, data, status)
}

// methodNotAllowed writes the 405 response to a request whose path a route
// serves with the allowed methods only, with an Allow header. An API path
// gets a JSON error. A staff path gets the console's error page when the
// request carries a valid session, with a link back to the ticket when the
// path is under one. Without a session, a GET or HEAD of a staff path goes to
// the sign-in page, which then opens a page that serves GET (signInNext): a
// browser gets here by following an old link to a form's address. Every other
// request gets a plain-text 405.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed []string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	path := r.URL.Path

	if path == "/api" || strings.HasPrefix(path, "/api/") {
		msg := fmt.Sprintf("method %s is not allowed at %s; use %s", r.Method, path, strings.Join(allowed, " or "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]apiError{"error": {Code: "method_not_allowed", Message: msg}})
		return
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !s.staffPrefixes[first] {
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	id, err := s.authenticate(w, r, false)
	if err != nil && !errors.Is(err, errUnauthenticated) {
		s.authError(w, r, false, err)
		return
	}
	if err != nil || id.session == nil {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(s.signInNext(r)), http.StatusSeeOther)
			return
		}
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	ctx := context.WithValue(r.Context(), accountKey{}, id.account)
	ctx = context.WithValue(ctx, identityKey{}, id)
	r = r.WithContext(ctx)
	key := "err.method_not_allowed"
	if !slices.Contains(allowed, http.MethodGet) {
		key = "err.form_only"
	}
	v := s.newView(w, r, "title.error")
	v.Error = consoleText(v.Lang, key)
	if v.Lang != "en" {
		v.ErrorEnglish = consoleText("en", key)
	}
	v.Back = "/console"
	if page, ok := ticketPageOf(path); ok {
		v.Back = page
	}
	s.render(w, r, http.StatusMethodNotAllowed, "error", v)
}

// probeMethods are the methods that allowedMethods tries.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete}

// allowedMethods returns the methods that some route serves at the
// request's path, sorted, or none when no route serves the path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allowed []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	slices.Sort(allowed)
	return allowed
}

// staffPrefixes returns the first path segments of the routes that need a
// permission, except "api".
func staffPrefixes(routes []Route) map[string]bool {
	out := map[string]bool{}
	for _, rt := range routes {
		if rt.Permission == PermPublic {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(rt.Pattern, "/"), "/")
		if first != "api" && !strings.HasPrefix(first, "{") {
			out[first] = true
		}
	}
	return out
}
