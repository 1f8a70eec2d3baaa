package privacy

import (
	"context"
	"fmt"
	"strings"

	"minyi/store"
)

// Protector bundles masking, the vault and the keyed hashes for the ticket
// workflow, which receives personal data once at submission.
type Protector struct {
	keys  *Keys
	vault *Vault
}

// NewProtector returns a Protector over keys.
func NewProtector(keys *Keys) (*Protector, error) {
	v, err := NewVault(keys)
	if err != nil {
		return nil, err
	}
	return &Protector{keys: keys, vault: v}, nil
}

// Vault returns the protector's vault.
func (p *Protector) Vault() *Vault { return p.vault }

// Mask returns text with personal data replaced by placeholders.
func (p *Protector) Mask(text string) string {
	masked, _ := Mask(text)
	return masked
}

// Seal encrypts a personal field of a ticket into the vault within tx. Phone
// numbers are stored normalised so that the relay can dial them.
func (p *Protector) Seal(ctx context.Context, tx *store.Tx, ticketID int64, field, value string) error {
	if field == FieldPhone {
		if n, ok := NormalizePhone(value); ok {
			value = n
		}
	}
	return p.vault.Put(ctx, tx, ticketID, field, value)
}

// BlindIndex returns the keyed hash of a phone number, or "" for an empty one.
func (p *Protector) BlindIndex(phone string) string {
	if strings.TrimSpace(phone) == "" {
		return ""
	}
	return BlindIndex(p.keys.BlindIndex, phone)
}

// ProgressKey returns the keyed hash of a tracking code and the last four
// digits of the citizen's phone.
func (p *Protector) ProgressKey(trackingCode, last4 string) string {
	return ProgressKey(p.keys.Progress, trackingCode, last4)
}

// PhoneHint decrypts the ticket's phone number and returns only its hint, the
// first three and last four digits of a mobile number (138****1111) or the
// area code, if any, and last two digits of a fixed-line number
// (0731-******88, *****88). See the package function PhoneHint. The full
// number never leaves this method. It returns an error matching ErrNotFound
// when the ticket has no number, and "" with a nil error when the stored value
// is not a valid phone number. The caller records every call in the access log.
func (p *Protector) PhoneHint(ctx context.Context, q store.Querier, ticketID int64) (string, error) {
	phone, err := p.vault.Get(ctx, q, ticketID, FieldPhone)
	if err != nil {
		return "", fmt.Errorf("privacy: phone hint: %w", err)
	}
	return PhoneHint(phone), nil
}
