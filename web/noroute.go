package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// noRoute writes the response to a request that no route matches. A path
// that a route serves with another method gets 405 with an Allow header. An
// API path gets the JSON not_found error. A staff path (see staffPrefixes)
// gets the console's 404 page when the request carries a valid session, and
// every other request gets the citizen pages' 404 page in Chinese.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	if allowed := s.allowedMethods(r); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
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
