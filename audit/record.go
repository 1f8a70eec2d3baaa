package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Actions recorded by the rest of minyi. Other actions are accepted if they
// have the same "area.verb" shape.
const (
	ActionTicketRead    = "ticket.read"    // a ticket's detail was shown
	ActionTicketList    = "ticket.list"    // a list or search, with Filter and Count
	ActionTicketExport  = "ticket.export"  // an export, with Filter and Count
	ActionTicketContact = "ticket.contact" // a relayed contact or a masked-digit view
	ActionTicketChange  = "ticket.change"  // a transition or an edit
	ActionSignIn        = "auth.signin"
	ActionSignInFailed  = "auth.signin_failed"
	ActionSignOut       = "auth.signout"
	ActionDenied        = "request.denied"
)

// Results of an access.
const (
	ResultOK     = "ok"
	ResultDenied = "denied"
	ResultError  = "error"
)

// Record is one entry of the access log: identifiers, names of fields, a
// purpose and counts. It must never contain ticket text, phone numbers or ID
// numbers. Purpose and Filter may hold text that staff typed, masked by the
// caller, so a Filter may contain a name a staff member searched for. The
// JSON form, with every field present
// in this order, is the record's canonical encoding, which is hashed into the
// Merkle tree.
type Record struct {
	Seq         int64     `json:"seq"`          // position in the log, from 1, assigned by Append
	Time        time.Time `json:"time"`         // UTC, millisecond precision; Append sets it if zero
	AccountID   int64     `json:"account_id"`   // 0 for an unknown account (a failed sign-in)
	AccountName string    `json:"account_name"` // the login name, never the person's display name
	Role        string    `json:"role"`
	SessionHash string    `json:"session_hash"` // HashSession of the session token
	Action      string    `json:"action"`       // one of the Action constants
	TicketID    int64     `json:"ticket_id"`    // 0 if the access concerns no single ticket
	Fields      []string  `json:"fields"`       // names of the fields read or changed, such as "phone_masked"
	Purpose     string    `json:"purpose"`      // the ticket being handled or the reason the user typed
	Result      string    `json:"result"`       // ResultOK, ResultDenied or ResultError
	ClientAddr  string    `json:"client_addr"`
	RequestID   string    `json:"request_id"`
	Filter      string    `json:"filter"` // the filter of a list or export, with the search text masked
	Count       int64     `json:"count"`  // rows listed or exported
}

// Limits on a record's text fields, in bytes. They keep one record small, and
// a caller that tries to store a ticket's text trips them early.
const (
	maxShortText = 200
	maxLongText  = 2000
	maxFields    = 100
)

// HashSession returns the first 16 bytes of a session token's SHA-256 in hex,
// the form in which a session is recorded, so the log never contains a usable
// token.
func HashSession(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// normalize returns r in the form that is stored and hashed: time in UTC at
// millisecond precision, valid UTF-8 and a non-nil Fields, so that the
// record read back from the database encodes to the same bytes.
func normalize(r Record) (Record, error) {
	if !validAction(r.Action) {
		return r, fmt.Errorf("audit: invalid action %q: want area.verb in lower case, such as %q", r.Action, ActionTicketRead)
	}
	switch r.Result {
	case ResultOK, ResultDenied, ResultError:
	default:
		return r, fmt.Errorf("audit: invalid result %q: want %q, %q or %q", r.Result, ResultOK, ResultDenied, ResultError)
	}
	if r.TicketID < 0 || r.AccountID < 0 || r.Count < 0 {
		return r, errors.New("audit: ticket id, account id and count must not be negative")
	}
	if len(r.Fields) > maxFields {
		return r, fmt.Errorf("audit: %d fields, at most %d", len(r.Fields), maxFields)
	}

	r.Time = r.Time.UTC().Truncate(time.Millisecond)
	short := map[string]*string{
		"account name": &r.AccountName, "role": &r.Role, "session hash": &r.SessionHash,
		"client address": &r.ClientAddr, "request id": &r.RequestID,
	}
	for name, s := range short {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
		if len(*s) > maxShortText {
			return r, fmt.Errorf("audit: %s is longer than %d bytes", name, maxShortText)
		}
	}
	for name, s := range map[string]*string{"purpose": &r.Purpose, "filter": &r.Filter} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
		if len(*s) > maxLongText {
			return r, fmt.Errorf("audit: %s is longer than %d bytes", name, maxLongText)
		}
	}
	fields := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		fields[i] = strings.ToValidUTF8(f, "\uFFFD")
		if len(fields[i]) > maxShortText {
			return r, fmt.Errorf("audit: field name longer than %d bytes", maxShortText)
		}
	}
	r.Fields = fields
	return r, nil
}

func validAction(a string) bool {
	area, verb, ok := strings.Cut(a, ".")
	return ok && len(a) <= 64 && lowerWord(area) && lowerWord(verb)
}

func lowerWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// canonical returns the bytes of r that are hashed: its compact JSON encoding.
// r must be normalized.
func canonical(r Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("audit: encode record %d: %w", r.Seq, err)
	}
	return b, nil
}

// saltSize is the length of a leaf's salt. The salt keeps a leaf hash from
// revealing a purged record by guessing, because records have little entropy.
const saltSize = 32

// leafData returns the data of a record's Merkle leaf: the salt followed by
// the canonical record. The salt has a fixed size, so the split is unambiguous.
func leafData(salt []byte, r Record) ([]byte, error) {
	if len(salt) != saltSize {
		return nil, fmt.Errorf("audit: record %d: salt has %d bytes, want %d", r.Seq, len(salt), saltSize)
	}
	c, err := canonical(r)
	if err != nil {
		return nil, err
	}
	return append(append(make([]byte, 0, len(salt)+len(c)), salt...), c...), nil
}
