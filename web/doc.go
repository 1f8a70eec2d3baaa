// Package web serves minyi over HTTP: the JSON API, and later the citizen
// pages and the staff console. Handlers parse the request, authorize it, call
// one domain operation and render the result; errors become HTTP statuses in
// one place (writeError).
package web
