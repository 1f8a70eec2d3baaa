package workflow

import (
	"testing"

	"minyi/ticket"
)

// TestNewTrackingCodeParses checks that every generated code has the form
// that ticket.ParseTrackingCode, and so the staff search, recognises.
func TestNewTrackingCodeParses(t *testing.T) {
	for range 1000 {
		code := newTrackingCode()
		if got, ok := ticket.ParseTrackingCode(code); !ok || got != code {
			t.Fatalf("ParseTrackingCode(%q) = %q, %v", code, got, ok)
		}
	}
}
