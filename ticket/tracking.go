package ticket

import "strings"

// TrackingAlphabet is the alphabet of tracking codes. It leaves out 0, 1, I,
// L and O, which citizens confuse.
const TrackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// TrackingCodeLength is the number of characters of a tracking code.
const TrackingCodeLength = 10

// ParseTrackingCode returns s as a tracking code, upper-cased and without
// surrounding spaces, and whether it has the form of one: TrackingCodeLength
// characters of TrackingAlphabet. It does not check that a ticket has it.
func ParseTrackingCode(s string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if len(code) != TrackingCodeLength {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(TrackingAlphabet, code[i]) < 0 {
			return "", false
		}
	}
	return code, true
}
