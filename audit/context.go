package audit

import "context"

// Meta is what the HTTP layer knows about a request and an audit record
// carries: the request id, the client address and the hashed session.
type Meta struct {
	RequestID   string
	ClientAddr  string
	SessionHash string
}

type metaKey struct{}

// WithMeta returns ctx carrying m, for records appended further down the call.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata carried by ctx, or the zero Meta.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}
