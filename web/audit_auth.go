package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyi/audit"
	"minyi/org"
	"minyi/store"
	"minyi/workflow"
)

// withSessionMeta adds the hashed session (or hashed API key) of a signed-in
// request to the audit metadata that ServeHTTP put into ctx.
func withSessionMeta(ctx context.Context, r *http.Request, id *identity) context.Context {
	m := audit.MetaFrom(ctx)
	switch {
	case id.sessionID != "":
		m.SessionHash = audit.HashSession(id.sessionID)
	case id.key != nil:
		token, _ := bearerToken(r.Header.Get("Authorization"))
		m.SessionHash = audit.HashSession(token)
	}
	return audit.WithMeta(ctx, m)
}

// recordAccess writes one access record in a transaction of its own, after
// change, if not nil, has run in the same transaction. Either both commit or
// neither does.
func (s *Server) recordAccess(ctx context.Context, a workflow.Access, change func(tx *store.Tx) error) error {
	if s.svc == nil {
		return nil
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if change != nil {
			if err := change(tx); err != nil {
				return err
			}
		}
		return s.recordIn(ctx, tx, a)
	})
}

// deny records a request that the access check rejected, then answers it
// with the rejection. If the record cannot be written the client gets a
// server error instead, and the request is still refused.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, api bool, id *identity, p Permission, reason error) {
	purpose := fmt.Sprintf("%s needs %s", r.Pattern, p)
	if errors.Is(reason, errCSRF) {
		purpose = fmt.Sprintf("%s: missing or invalid CSRF token", r.Pattern)
	}
	a := workflow.Access{Actor: id.account.Actor(), Action: audit.ActionDenied, Purpose: purpose,
		Result: audit.ResultDenied}
	if strings.Contains(r.Pattern, "tickets/{id}") {
		a.TicketID, _ = strconv.ParseInt(r.PathValue("id"), 10, 64)
		a.TicketID = max(a.TicketID, 0)
	}
	if err := s.recordAccess(r.Context(), a, nil); err != nil {
		s.rejectRequest(w, r, api, id, fmt.Errorf("web: record denied request: %w", err))
		return
	}
	s.rejectRequest(w, r, api, id, reason)
}

// signInFailed records a failed sign-in with the throttle's failure counts
// when count is true. acct is the zero Account when the name is unknown: the
// name typed is then left out of the record, because it may be anything,
// including a person's phone number.
func (s *Server) signInFailed(r *http.Request, acct org.Account, name, reason string, count bool) error {
	now := s.now()
	a := workflow.Access{Actor: acct.Actor(), Action: audit.ActionSignInFailed, Purpose: reason,
		Result: audit.ResultDenied}
	return s.recordAccess(r.Context(), a, func(tx *store.Tx) error {
		if !count {
			return nil
		}
		if err := org.RecordFailure(r.Context(), tx, *s.auth.opts.AccountThrottle, "account:"+name, now); err != nil {
			return err
		}
		return org.RecordFailure(r.Context(), tx, *s.auth.opts.AddressThrottle, "addr:"+s.clientAddr(r), now)
	})
}

// createSession starts a session and records the sign-in in one transaction,
// and returns the session's cookie value.
func (s *Server) createSession(ctx context.Context, acct org.Account, method string, now time.Time) (string, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = org.CreateSession(ctx, tx, acct.ID, method, now); err != nil {
			return err
		}
		m := audit.MetaFrom(ctx)
		m.SessionHash = audit.HashSession(id)
		return s.recordIn(audit.WithMeta(ctx, m), tx, workflow.Access{Actor: acct.Actor(),
			Action: audit.ActionSignIn, Purpose: method, Result: audit.ResultOK})
	})
	return id, err
}

// deleteSession ends a session and records the sign-out in one transaction.
// The context carries the session's hash, which authorize put there.
func (s *Server) deleteSession(ctx context.Context, id *identity) error {
	return s.recordAccess(ctx, workflow.Access{Actor: id.account.Actor(), Action: audit.ActionSignOut,
		Result: audit.ResultOK}, func(tx *store.Tx) error {
		return org.DeleteSession(ctx, tx, id.sessionID)
	})
}

// recordIn writes one access record inside tx.
func (s *Server) recordIn(ctx context.Context, tx *store.Tx, a workflow.Access) error {
	if s.svc == nil {
		return nil
	}
	return s.svc.RecordAccess(ctx, tx, a)
}

// throttledSignIn records a sign-in attempt that the throttle rejected
// before any check. reason is "throttled" or "locked".
func (s *Server) throttledSignIn(r *http.Request, name, reason string) error {
	acct, err := org.AccountByName(r.Context(), s.db, name)
	if err != nil && !errors.Is(err, org.ErrNotFound) {
		return err
	}
	if err != nil {
		acct = org.Account{}
	}
	return s.signInFailed(r, acct, name, reason, false)
}
