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

// writeError turns err into a status and a JSON body, and logs server errors once.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code, msg := http.StatusInternalServerError, "internal", "internal error; quote the request id to the administrator"
	switch {
	case errors.Is(err, errUnauthenticated):
		status, code, msg = http.StatusUnauthorized, "unauthenticated", err.Error()
	case errors.Is(err, errCSRF):
		status, code, msg = http.StatusForbidden, "csrf", "missing or invalid CSRF token: reload the page, or send X-CSRF-Token"
	case errors.Is(err, errPermission), errors.Is(err, ticket.ErrForbidden):
		status, code, msg = http.StatusForbidden, "forbidden", "your role may not do this"
	case errors.Is(err, workflow.ErrNotFound), errors.Is(err, org.ErrNotFound), errors.Is(err, ticket.ErrOutOfScope):
		status, code, msg = http.StatusNotFound, "not_found", "not found"
	case errors.Is(err, ticket.ErrTransition):
		status, code, msg = http.StatusConflict, "invalid_transition", err.Error()
	case errors.Is(err, workflow.ErrConflict):
		status, code, msg = http.StatusConflict, "conflict", err.Error()
	case errors.Is(err, errBodyTooLarge):
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", err.Error()
	case errors.Is(err, workflow.ErrIDReused):
		status, code, msg = http.StatusConflict, "id_reused", err.Error()
	case errors.Is(err, errUploadTooLarge):
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", err.Error()
	case errors.Is(err, ticket.ErrInvalidInput), errors.Is(err, workflow.ErrInvalid), errors.Is(err, errBadRequest):
		status, code, msg = http.StatusBadRequest, "invalid_input", err.Error()
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
