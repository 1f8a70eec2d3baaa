package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits on field lengths, counted in characters (Unicode code points), never
// in bytes. A value over its limit makes the row a *RowError rather than being
// cut short, so nothing is stored that differs from what was received. Title,
// body and place use the same limits as the workflow's Submit, so a row that
// passes here is not rejected there for its length.
const (
	MaxTitleChars = 200
	MaxBodyChars  = 50_000
	MaxPlaceChars = 200
	MaxIDChars    = 128
	MaxShortChars = 200    // time, phone, name, kind and label
	MaxExtraChars = 10_000 // each value of a column that maps to no field
)

// Sentinel errors wrapped by a *RowError, for errors.Is.
var (
	ErrNoText      = errors.New("row has neither title nor body")
	ErrTooLong     = errors.New("value too long")
	ErrInvalidText = errors.New("invalid text")
	ErrFieldCount  = errors.New("wrong number of fields")
	ErrSyntax      = errors.New("syntax error")
	// ErrDuplicateField rejects a JSON line with two keys for one field.
	ErrDuplicateField = errors.New("two values for one field")
)

// Row is one input record: the fields an item is made of, and the line (or
// spreadsheet row) number it came from, counting from 1. Title and Body are
// kept exactly as received; the other fields have surrounding white space
// removed. Extra holds the non-empty values of columns that map to no field,
// keyed by their header.
type Row struct {
	Line  int
	ID    string
	Title string
	Body  string
	Time  string
	Phone string
	Name  string
	Place string
	Kind  string
	Label string
	Extra map[string]string
}

// RowError is one rejected record. The caller reports it and goes on reading.
type RowError struct {
	Line int
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause, one of the sentinel errors above or a parse error.
func (e *RowError) Unwrap() error { return e.Err }

// Key returns the row's idempotency key: its ID when the file has one, else
// "sha256:" and a hash of every field except Line, so that importing the same
// file twice yields the same keys. Two rows with identical content share a key.
func (r Row) Key() string {
	if r.ID != "" {
		return r.ID
	}
	h := sha256.New()
	for _, v := range []string{r.Title, r.Body, r.Time, r.Phone, r.Name, r.Place, r.Kind, r.Label} {
		// NUL never occurs in a valid row, so it separates values unambiguously.
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(r.Extra[k]))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// CharCount returns the number of characters (code points) in s.
func CharCount(s string) int { return utf8.RuneCountInString(s) }

// Truncate returns the first maxChars characters of s. It counts code points,
// never bytes, so it never cuts a character in two. An invalid byte counts as
// one character and is kept as it is.
// NOTE: a character built from several code points can still be split, for
// example an emoji with a skin tone or a letter with a combining accent.
func Truncate(s string, maxChars int) string {
	if maxChars <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == maxChars {
			return s[:i]
		}
		n++
	}
	return s
}

// fieldLimits gives each field's name, value and maximum length in characters.
func (r *Row) fieldLimits() []struct {
	name  string
	value string
	max   int
} {
	return []struct {
		name  string
		value string
		max   int
	}{
		{"id", r.ID, MaxIDChars},
		{"title", r.Title, MaxTitleChars},
		{"body", r.Body, MaxBodyChars},
		{"time", r.Time, MaxShortChars},
		{"phone", r.Phone, MaxShortChars},
		{"name", r.Name, MaxShortChars},
		{"place", r.Place, MaxPlaceChars},
		{"kind", r.Kind, MaxShortChars},
		{"label", r.Label, MaxShortChars},
	}
}

// validate checks a row built by a reader: valid UTF-8 without NUL (which
// PostgreSQL cannot store in text), a title or a body, and every length limit.
func (r *Row) validate() error {
	for _, f := range r.fieldLimits() {
		if err := checkText(f.name, f.value, f.max); err != nil {
			return err
		}
	}
	for k, v := range r.Extra {
		if err := checkText(k, k, MaxShortChars); err != nil {
			return err
		}
		if err := checkText(k, v, MaxExtraChars); err != nil {
			return err
		}
	}
	if strings.TrimSpace(r.Title) == "" && strings.TrimSpace(r.Body) == "" {
		return ErrNoText
	}
	return nil
}

func checkText(name, value string, maxChars int) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidText, name)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("%w: %s contains a NUL character (U+0000)", ErrInvalidText, name)
	}
	if n := CharCount(value); n > maxChars {
		return fmt.Errorf("%w: %s has %d characters, the limit is %d", ErrTooLong, name, n, maxChars)
	}
	return nil
}
