package privacy

import (
	"testing"
)

func TestBlindIndexSpellings(t *testing.T) {
	key := testKeys(t).BlindIndex
	m := genMobile("138")
	want := BlindIndex(key, m)
	if len(want) != 64 {
		t.Fatalf("index length %d, want 64 hex digits", len(want))
	}
	for _, s := range []string{spaced(m, " "), spaced(m, "-"), "+86 " + spaced(m, " "), "0086-" + m, fullWidth(m)} {
		if got := BlindIndex(key, s); got != want {
			t.Errorf("BlindIndex(%q) differs from BlindIndex(%q)", s, m)
		}
	}
	if BlindIndex(key, genMobile("139")) == want {
		t.Error("two numbers share an index")
	}
	if BlindIndex(testKeys(t).BlindIndex, m) == want {
		t.Error("two keys give the same index")
	}
	if BlindIndex(key, "8888 0000") != BlindIndex(key, "8888-0000") {
		t.Error("local number spellings differ")
	}
	if BlindIndex(key, "8888 0000") == BlindIndex(key, "0731-88880000") {
		t.Error("local number given an area code")
	}
}

func TestProgressKey(t *testing.T) {
	key := testKeys(t).Progress
	want := ProgressKey(key, "MY2K7Q", "1234")
	tests := []struct {
		name, code, last4 string
		same              bool
	}{
		{"lower case", "my2k7q", "1234", true},
		{"full width", fullWidth("MY2K7Q"), fullWidth("1234"), true},
		{"spaces", " MY2K7Q ", "1234 ", true},
		{"other digits", "MY2K7Q", "1235", false},
		{"other code", "MY2K7R", "1234", false},
		{"shifted boundary", "MY2K7Q1", "234", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProgressKey(key, tt.code, tt.last4) == want; got != tt.same {
				t.Errorf("ProgressKey(%q, %q) equal = %v, want %v", tt.code, tt.last4, got, tt.same)
			}
		})
	}
}
