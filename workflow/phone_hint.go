package workflow

import (
	"context"
	"errors"
	"fmt"

	"minyi/privacy"
	"minyi/store"
	"minyi/ticket"
)

// The purposes for which centre staff may view a phone hint. The purpose is
// recorded with every view.
const (
	HintVerifyCaller = "verify_caller" // a caller says the ticket is theirs
	HintRepeatCaller = "repeat_caller" // two calls may come from the same citizen
	HintCallback     = "callback"      // during a call-back, the citizen wants to confirm which number they left
)

// HintPurposes lists the valid purposes of a phone hint, in the order a form offers them.
var HintPurposes = []string{HintVerifyCaller, HintRepeatCaller, HintCallback}

// FieldPhoneMasked is the field name the access log records for a phone hint.
const FieldPhoneMasked = "phone_masked"

// ErrNoPhone is returned by PhoneHint when the ticket has no usable phone
// number: the citizen left none, the number was shredded, or the stored value
// is not a phone number. The view is recorded all the same.
var ErrNoPhone = errors.New("the ticket has no phone number")

// mayViewPhoneHint reports whether a role may see a phone hint. Only centre
// staff may, because they take the hotline calls and make the call-backs,
// where they must tell one caller from another. Unit handlers reach the citizen
// through the relay and need no digit.
func mayViewPhoneHint(r ticket.Role) bool { return r == ticket.RoleCentre }

// PhoneHint returns the phone number of a ticket's citizen with its middle
// hidden, such as 138****1111, and records the view in the access log as a
// ticket.contact access with the field phone_masked and the purpose
// "phone_hint:PURPOSE". The hint is returned only after that record is
// committed, and neither the record nor any log line contains a digit of the
// number.
//
// A role other than centre gets ticket.ErrForbidden, a purpose outside
// HintPurposes ticket.ErrInvalidInput, and a ticket outside the actor's units
// ErrNotFound (recorded as denied). A ticket without a usable number returns
// ErrNoPhone, recorded with the result "error".
func (s *Service) PhoneHint(ctx context.Context, actor ticket.Actor, id int64, purpose string) (string, error) {
	if !mayViewPhoneHint(actor.Role) {
		return "", fmt.Errorf("ticket %d: role %s may not view phone hints: %w", id, actor.Role, ticket.ErrForbidden)
	}
	if !validHintPurpose(purpose) {
		return "", fmt.Errorf("%w: phone hint purpose %q is not one of %v", ticket.ErrInvalidInput, purpose, HintPurposes)
	}
	t, err := loadTicket(ctx, s.db, id)
	if err != nil {
		return "", err
	}
	if !actor.CanRead(t) {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			return s.audit(ctx, tx, Access{Actor: actor, Action: "request.denied", TicketID: id,
				Purpose: "phone_hint", Result: "denied"})
		})
		if err != nil {
			return "", err
		}
		return "", fmt.Errorf("ticket %d: %w", id, ErrNotFound)
	}
	var hint string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		hint, err = s.opts.Protector.PhoneHint(ctx, tx, id)
		if err != nil && !errors.Is(err, privacy.ErrNotFound) {
			return fmt.Errorf("workflow: phone hint of ticket %d: %w", id, err)
		}
		result := "ok"
		if hint == "" {
			result = "error"
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.contact", TicketID: id,
			Fields: []string{FieldPhoneMasked}, Purpose: "phone_hint:" + purpose, Result: result})
	})
	if err != nil {
		return "", err
	}
	if hint == "" {
		return "", fmt.Errorf("ticket %d: %w", id, ErrNoPhone)
	}
	return hint, nil
}

func validHintPurpose(p string) bool {
	for _, q := range HintPurposes {
		if p == q {
			return true
		}
	}
	return false
}
