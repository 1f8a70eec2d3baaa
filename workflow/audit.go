package workflow

import (
	"context"

	"minyi/audit"
	"minyi/store"
)

// RecordAccess writes an access that the service does not perform itself,
// such as a sign-in, a denied request or a read of the access log, to the
// audit log inside tx. The caller's change and its record then commit
// together or not at all. It does nothing when no AuditFunc is configured.
func (s *Service) RecordAccess(ctx context.Context, tx *store.Tx, a Access) error {
	return s.audit(ctx, tx, a)
}

// AuditLog returns an AuditFunc that appends each access to l, with the
// request id, client address and session hash that audit.WithMeta put into
// the context.
func AuditLog(l *audit.Log) AuditFunc {
	return func(ctx context.Context, tx *store.Tx, acc Access) error {
		m := audit.MetaFrom(ctx)
		login := acc.Actor.Login
		if login == "" {
			login = string(acc.Actor.Role)
		}
		_, err := l.Append(ctx, tx, audit.Record{
			AccountID: acc.Actor.ID, AccountName: login, Role: string(acc.Actor.Role), SessionHash: m.SessionHash,
			Action: acc.Action, TicketID: acc.TicketID, Fields: acc.Fields, Purpose: acc.Purpose,
			Result: acc.Result, ClientAddr: m.ClientAddr, RequestID: m.RequestID, Filter: acc.Filter,
			Count: int64(acc.Count),
		})
		return err
	}
}
