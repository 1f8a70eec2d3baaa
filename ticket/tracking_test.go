package ticket_test

import (
	"testing"

	"minyi/ticket"
)

func TestParseTrackingCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"4Z5PV34QVS", "4Z5PV34QVS", true},
		{" 4z5pv34qvs\t", "4Z5PV34QVS", true},
		{"4Z5PV34QV", "", false},   // nine characters
		{"4Z5PV34QVSS", "", false}, // eleven
		{"4Z5PV34QV0", "", false},  // 0 is not in the alphabet
		{"4Z5PV34QVI", "", false},  // nor is I
		{"4Z5PV 4QVS", "", false},
		{"噪音噪音噪音噪音噪音", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := ticket.ParseTrackingCode(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseTrackingCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
