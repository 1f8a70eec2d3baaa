package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/privacy"
	"minyi/store"
	"minyi/ticket"
)

// ActContact records a call or message to the citizen through the contact
// relay. It changes no state; its details carry the channel and the outcome,
// never the citizen's number.
const ActContact ticket.Action = "contact"

// Contact channels.
const (
	ContactCall    = "call"    // bind the staff phone and the citizen's phone to a middle number
	ContactMessage = "message" // deliver a text message
)

// ErrNoRelay is returned by Contact when no relay provider is configured.
var ErrNoRelay = errors.New("no contact relay provider is configured")

// ErrContactFailed is returned by Contact when the relay tried and failed,
// or found no number. The attempt is recorded all the same.
var ErrContactFailed = errors.New("contact failed")

// ContactRequest is one call or message a staff member requests from the relay.
type ContactRequest struct {
	Channel    string // ContactCall or ContactMessage
	StaffPhone string // for calls: the staff member's own phone, which the binding connects
	Text       string // for messages
}

// maxContactChars caps a relay message, the length of a long SMS.
const maxContactChars = 500

func (r *ContactRequest) validate() error {
	r.Text = strings.TrimSpace(r.Text)
	switch r.Channel {
	case ContactCall:
		if _, ok := privacy.NormalizePhone(r.StaffPhone); !ok {
			return fmt.Errorf("%w: your own phone number is missing or invalid", ticket.ErrInvalidInput)
		}
	case ContactMessage:
		if n := utf8.RuneCountInString(r.Text); n == 0 || n > maxContactChars {
			return fmt.Errorf("%w: a message needs 1 to %d characters", ticket.ErrInvalidInput, maxContactChars)
		}
	default:
		return fmt.Errorf("%w: contact channel %q is neither call nor message", ticket.ErrInvalidInput, r.Channel)
	}
	return nil
}

// mayContact reports whether a role may reach citizens through the relay:
// centre staff on every ticket, and unit handlers on the tickets of their
// units, who sometimes need to ask the citizen a question while handling.
func mayContact(r ticket.Role) bool { return r == ticket.RoleCentre || r == ticket.RoleHandler }

// HasRelay reports whether a contact relay provider is configured.
func (s *Service) HasRelay() bool { return s.opts.Relay != nil }

// Contact calls or messages the citizen of a ticket through the contact
// relay, which alone decrypts the number. The attempt is recorded as an
// ActContact event in the timeline and as a ticket.contact access in the
// audit log, whose purpose is the channel and the outcome ("message:sent"). A ticket outside the actor's units returns
// ErrNotFound; a role other than centre and handler gets ticket.ErrForbidden.
// When the relay fails or the ticket has no number (or it was shredded), the
// Outcome status reports it and the error matches ErrContactFailed.
func (s *Service) Contact(ctx context.Context, actor ticket.Actor, id int64, req ContactRequest) (privacy.Outcome, error) {
	if !mayContact(actor.Role) {
		return privacy.Outcome{}, fmt.Errorf("ticket %d: role %s may not contact citizens: %w", id, actor.Role,
			ticket.ErrForbidden)
	}
	t, err := loadTicket(ctx, s.db, id)
	if err != nil {
		return privacy.Outcome{}, err
	}
	if !actor.CanRead(t) {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			return s.audit(ctx, tx, Access{Actor: actor, Action: "request.denied", TicketID: id,
				Purpose: "contact", Result: "denied"})
		})
		if err != nil {
			return privacy.Outcome{}, err
		}
		return privacy.Outcome{}, fmt.Errorf("ticket %d: %w", id, ErrNotFound)
	}
	if err := req.validate(); err != nil {
		return privacy.Outcome{}, err
	}
	if s.opts.Relay == nil {
		return privacy.Outcome{}, ErrNoRelay
	}
	// The provider is asked outside a transaction, so a slow gateway never
	// holds the database's write lock.
	var out privacy.Outcome
	var relayErr error
	if req.Channel == ContactCall {
		out, relayErr = s.opts.Relay.Call(ctx, s.db, id, privacy.Staff{ID: actor.ID, Phone: req.StaffPhone})
	} else {
		out, relayErr = s.opts.Relay.Message(ctx, s.db, id, req.Text)
	}
	details := map[string]string{"contact_channel": req.Channel, "contact_status": out.Status}
	if out.MiddleNumber != "" {
		details["middle_number"] = out.MiddleNumber
		details["binding_expires"] = out.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if req.Channel == ContactMessage {
		// Staff never know the number, but a message can quote the citizen's text.
		details["message"] = s.opts.Protector.Mask(req.Text)
	}
	if err := s.recordContact(ctx, actor, t, s.opts.Now(), req.Channel, out.Status, details); err != nil {
		return out, err
	}
	if relayErr != nil {
		// The relay redacts the number from provider errors.
		s.log.Warn("contact relay failed", "ticket_id", id, "staff_id", actor.ID, "channel", req.Channel,
			"status", out.Status, "error", relayErr)
		return out, fmt.Errorf("ticket %d: %w (%s)", id, ErrContactFailed, out.Status)
	}
	return out, nil
}

// recordContact writes the timeline event, stamped at, and the audit record
// of one contact attempt.
func (s *Service) recordContact(ctx context.Context, actor ticket.Actor, t *ticket.Ticket, at time.Time,
	channel, status string, details map[string]string) error {
	at = at.UTC().Truncate(time.Millisecond)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		ev := ticket.Event{TicketID: t.ID, At: at, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
			Action: ActContact, From: t.State, To: t.State, UnitID: t.UnitID, Details: details}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		// The audit log takes ok or error as the result, so the relay's
		// outcome goes in the purpose beside the channel: "call:bound".
		result := "ok"
		if status != privacy.OutcomeBound && status != privacy.OutcomeSent {
			result = "error"
		}
		return s.audit(ctx, tx, Access{Actor: actor, Action: "ticket.contact", TicketID: t.ID,
			Fields: []string{privacy.FieldPhone}, Purpose: channel + ":" + status, Result: result})
	})
}

// sendTrackingCode texts the citizen the tracking code of a new ticket when
// a relay is configured and the Options ask for it. A failure is logged and
// recorded but does not undo the submission.
func (s *Service) sendTrackingCode(ctx context.Context, t *ticket.Ticket, phone string) {
	if s.opts.Relay == nil || !s.opts.SMSTrackingCode || strings.TrimSpace(phone) == "" {
		return
	}
	out, err := s.opts.Relay.SendTrackingCode(ctx, s.db, t.ID, t.TrackingCode)
	details := map[string]string{"contact_channel": "tracking_code", "contact_status": out.Status}
	// The event is part of the receipt, so it carries the ticket's received
	// time. A backdated submission (an import, the demo's simulated month)
	// would otherwise get an event at the wall clock between its earlier
	// ones. The audit record keeps the real time of sending.
	if rerr := s.recordContact(ctx, ticket.System, t, t.ReceivedAt, "tracking_code", out.Status, details); rerr != nil {
		s.log.Warn("recording the tracking-code message failed", "ticket_id", t.ID, "error", rerr)
	}
	if err != nil {
		s.log.Warn("sending the tracking code failed", "ticket_id", t.ID, "status", out.Status, "error", err)
	}
}
