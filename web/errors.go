package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"minyi/org"
	"minyi/ticket"
	"minyi/workflow"
)

// apiError is the JSON body of every error: a stable code and a message in
// plain words. A 5xx never carries its cause.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var errBadRequest = errors.New("bad request")

// errNoRoute is the error of a request whose path no route serves.
var errNoRoute = errors.New("no page or endpoint at this path")

// inputError is a bad request that web itself detects, with its message in
// Chinese for the pages and in English for the API. It unwraps to
// errBadRequest, and its Error text reads as fmt.Errorf("%w: …", errBadRequest) would.
type inputError struct{ zh, en string }

func newInputError(zh, en string) error { return &inputError{zh: zh, en: en} }

func (e *inputError) Error() string { return errBadRequest.Error() + ": " + e.en }

func (e *inputError) Unwrap() error { return errBadRequest }

// classifyError returns the HTTP status and the stable error code of err.
// The API (writeError) and the console pages (consoleError) both use it.
func classifyError(err error) (status int, code string) {
	switch {
	case errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, errCSRF):
		return http.StatusForbidden, "csrf"
	case errors.Is(err, errPermission), errors.Is(err, ticket.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, workflow.ErrNotFound), errors.Is(err, org.ErrNotFound), errors.Is(err, ticket.ErrOutOfScope),
		errors.Is(err, errNoRoute):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ticket.ErrTransition):
		return http.StatusConflict, "invalid_transition"
	case errors.Is(err, workflow.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, errBodyTooLarge), errors.Is(err, errUploadTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, workflow.ErrIDReused):
		return http.StatusConflict, "id_reused"
	case errors.Is(err, ticket.ErrInvalidInput), errors.Is(err, workflow.ErrInvalid), errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "invalid_input"
	}
	return http.StatusInternalServerError, "internal"
}

// showsCause reports whether an error of code may show its own text to the
// client. A 5xx never does, and neither does a not-found, because an
// out-of-scope ticket must look like a missing one.
func showsCause(code string) bool {
	switch code {
	case "unauthenticated", "invalid_transition", "conflict", "too_large", "id_reused", "invalid_input":
		return true
	}
	return false
}

// apiMessages are the fixed API messages of the codes that do not show their cause.
var apiMessages = map[string]string{
	"csrf":      "missing or invalid CSRF token: reload the page, or send X-CSRF-Token",
	"forbidden": "your role may not do this",
	"not_found": "not found",
	"internal":  "internal error; quote the request id to the administrator",
}

// writeError turns err into a status and a JSON body, and logs server errors once.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code := classifyError(err)
	msg := apiMessages[code]
	var scope *scopeError
	if showsCause(code) || errors.As(err, &scope) {
		msg = err.Error()
	}
	if status >= 500 {
		log.Error("request failed", "request_id", RequestID(r.Context()), "path", r.URL.Path, "error", err)
	}
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
