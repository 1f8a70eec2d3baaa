package privacy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"minyi/store"
)

// Binding is a privacy-number (AXB) binding. For a limited time the provider
// connects calls from the staff phone to the middle number through to the
// citizen, and shows the citizen the middle number instead of the staff phone.
type Binding struct {
	ID           string
	MiddleNumber string    // the number staff dial; it is not the citizen's
	ExpiresAt    time.Time // zero when the provider did not say
}

// Provider connects calls and delivers text messages without showing the
// citizen's number to staff, in the manner of the privacy-number services of
// Chinese clouds and carriers.
type Provider interface {
	// Bind binds staffPhone and citizenPhone to a middle number for ttl.
	Bind(ctx context.Context, staffPhone, citizenPhone string, ttl time.Duration) (Binding, error)
	// Release ends a binding before its time runs out.
	Release(ctx context.Context, bindingID string) error
	// SendMessage delivers text to citizenPhone by SMS.
	SendMessage(ctx context.Context, citizenPhone, text string) error
}

// Outcome statuses.
const (
	OutcomeBound   = "bound"    // a middle number connects the staff phone to the citizen
	OutcomeSent    = "sent"     // the message was handed to the provider
	OutcomeNoPhone = "no_phone" // the ticket has no phone number, or it was shredded
	OutcomeFailed  = "failed"   // the vault or the provider failed
)

// Outcome is the result of one contact attempt, for the caller to record in
// the ticket timeline and the audit log. It never contains the citizen's
// number.
type Outcome struct {
	TicketID     int64
	Action       string // "call" or "message"
	Status       string // one of the Outcome* constants
	At           time.Time
	BindingID    string    // for calls
	MiddleNumber string    // for calls: the number the staff member dials
	ExpiresAt    time.Time // for calls: when the binding ends
	Detail       string    // failure reason, free of personal data
}

// Staff identifies the staff member making contact.
type Staff struct {
	ID    int64  // account id
	Phone string // the staff member's own phone, which the binding connects
}

// maxMessageRunes caps a relay message at what a long SMS carries.
const maxMessageRunes = 500

// Relay is the contact relay. Its Call and Message methods call Vault.Get,
// as Protector.PhoneHint does, and they pass the decrypted number to the
// Provider alone, never to the caller.
type Relay struct {
	vault    *Vault
	provider Provider
	ttl      time.Duration
	now      func() time.Time
}

// NewRelay returns a relay that reads numbers from vault and contacts
// citizens through provider, binding calls for ttl (30 minutes when ttl is 0).
func NewRelay(vault *Vault, provider Provider, ttl time.Duration) *Relay {
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	return &Relay{vault: vault, provider: provider, ttl: ttl, now: time.Now}
}

// Call binds the staff member's phone and the citizen's phone to a middle
// number, which the Outcome carries for the staff member to dial. Release the
// binding with Release when the call ends; otherwise it ends after the TTL.
// The error, when not nil, explains a failed Outcome.
func (r *Relay) Call(ctx context.Context, q store.Querier, ticketID int64, staff Staff) (Outcome, error) {
	out := Outcome{TicketID: ticketID, Action: "call", At: r.now().UTC()}
	staffPhone, ok := NormalizePhone(staff.Phone)
	if !ok {
		return r.failed(out, OutcomeFailed, fmt.Errorf("privacy: relay: staff %d has no valid phone number", staff.ID))
	}
	phone, err := r.citizenPhone(ctx, q, ticketID)
	if err != nil {
		return r.failed(out, statusFor(err), err)
	}
	b, err := r.provider.Bind(ctx, staffPhone, phone, r.ttl)
	if err != nil {
		return r.failed(out, OutcomeFailed, redact(fmt.Errorf("privacy: relay: bind ticket %d: %w", ticketID, err), phone))
	}
	out.Status = OutcomeBound
	out.BindingID = b.ID
	out.MiddleNumber = b.MiddleNumber
	out.ExpiresAt = b.ExpiresAt
	if out.ExpiresAt.IsZero() {
		out.ExpiresAt = out.At.Add(r.ttl)
	}
	return out, nil
}

// Release ends a call binding.
func (r *Relay) Release(ctx context.Context, bindingID string) error {
	if err := r.provider.Release(ctx, bindingID); err != nil {
		return fmt.Errorf("privacy: relay: release binding %s: %w", bindingID, err)
	}
	return nil
}

// Message sends text to the citizen of the ticket and stores a copy for the
// citizen's progress page in relay_messages, without the number.
func (r *Relay) Message(ctx context.Context, q store.Querier, ticketID int64, text string) (Outcome, error) {
	out := Outcome{TicketID: ticketID, Action: "message", At: r.now().UTC()}
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxMessageRunes {
		return r.failed(out, OutcomeFailed,
			fmt.Errorf("privacy: relay: message must have 1 to %d characters", maxMessageRunes))
	}
	phone, err := r.citizenPhone(ctx, q, ticketID)
	if err != nil {
		return r.failed(out, statusFor(err), err)
	}
	if err := r.provider.SendMessage(ctx, phone, text); err != nil {
		return r.failed(out, OutcomeFailed, redact(fmt.Errorf("privacy: relay: message ticket %d: %w", ticketID, err), phone))
	}
	out.Status = OutcomeSent
	if _, err := q.ExecContext(ctx, `INSERT INTO relay_messages (ticket_id, at, text) VALUES (?, ?, ?)`,
		ticketID, out.At.UnixMilli(), text); err != nil {
		return out, fmt.Errorf("privacy: relay: message ticket %d sent but not stored: %w", ticketID, err)
	}
	return out, nil
}

// SendTrackingCode sends the citizen the tracking code of their ticket.
func (r *Relay) SendTrackingCode(ctx context.Context, q store.Querier, ticketID int64, trackingCode string) (Outcome, error) {
	return r.Message(ctx, q, ticketID, "您的诉求已受理，查询码："+trackingCode+"。凭查询码和手机号后四位可查看办理进度。")
}

// RelayMessage is a message the relay sent to a citizen.
type RelayMessage struct {
	At   time.Time
	Text string
}

// Messages returns the messages sent to the citizen of a ticket, oldest
// first, for the progress page.
func Messages(ctx context.Context, q store.Querier, ticketID int64) ([]RelayMessage, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, text FROM relay_messages WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("privacy: relay messages of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []RelayMessage
	for rows.Next() {
		var at int64
		var m RelayMessage
		if err := rows.Scan(&at, &m.Text); err != nil {
			return nil, fmt.Errorf("privacy: relay messages of ticket %d: %w", ticketID, err)
		}
		m.At = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy: relay messages of ticket %d: %w", ticketID, err)
	}
	return out, nil
}

func (r *Relay) citizenPhone(ctx context.Context, q store.Querier, ticketID int64) (string, error) {
	phone, err := r.vault.Get(ctx, q, ticketID, FieldPhone)
	if err != nil {
		return "", fmt.Errorf("privacy: relay: %w", err)
	}
	if n, ok := NormalizePhone(phone); ok {
		phone = n
	}
	return phone, nil
}

func statusFor(err error) string {
	if errors.Is(err, ErrNotFound) {
		return OutcomeNoPhone
	}
	return OutcomeFailed
}

func (r *Relay) failed(out Outcome, status string, err error) (Outcome, error) {
	out.Status = status
	out.Detail = err.Error()
	return out, err
}

// redactedError hides a phone number in the message of a provider error,
// which may echo its request.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, phone string) error {
	msg := err.Error()
	if phone == "" || !strings.Contains(msg, phone) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(msg, phone, "[手机号]"), err: err}
}
