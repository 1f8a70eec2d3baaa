package privacy

import (
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// PhoneKind classifies a parsed phone number.
type PhoneKind int

// The kinds of phone number ParsePhone recognises.
const (
	// Mobile is an 11-digit mainland mobile number starting 13–19.
	Mobile PhoneKind = iota + 1
	// Landline is a fixed-line number with its area code.
	Landline
	// Local is a fixed-line number given without an area code. Its area is
	// unknown and is never guessed.
	Local
)

// String returns the kind's name.
func (k PhoneKind) String() string {
	switch k {
	case Mobile:
		return "mobile"
	case Landline:
		return "landline"
	case Local:
		return "local"
	}
	return "unknown"
}

// Phone is a parsed mainland China phone number.
type Phone struct {
	Kind      PhoneKind
	AreaCode  string // with its leading 0, such as "0731"; empty for Mobile and Local
	Number    string // the subscriber number: 11 digits for Mobile, 7 or 8 otherwise
	Extension string // digits only; empty when none was given
}

// String returns the canonical form: "13800001111" for a mobile,
// "0731-88880000" or "0731-88880000-123" for a landline, and "88880000" or
// "88880000-123" for a local number without area code. A local number never
// starts with 0, so it cannot be confused with a number that has an area code.
func (p Phone) String() string {
	var b strings.Builder
	if p.AreaCode != "" {
		b.WriteString(p.AreaCode)
		b.WriteByte('-')
	}
	b.WriteString(p.Number)
	if p.Extension != "" {
		b.WriteByte('-')
		b.WriteString(p.Extension)
	}
	return b.String()
}

// NormalizePhone returns the canonical form of a phone number (see
// [Phone.String]) and true, or "" and false when s is not a mainland mobile,
// landline or local fixed-line number. Service numbers such as 110, 12345 and
// 400 numbers are not personal and return false.
func NormalizePhone(s string) (string, bool) {
	p, ok := ParsePhone(s)
	if !ok {
		return "", false
	}
	return p.String(), true
}

// extensionRE matches an extension at the end of a phone number, after NFKC.
var extensionRE = regexp.MustCompile(`(?i)\s*(?:转|轉|分机|分機|ext\.?|x|#)\s*(\d{1,6})$`)

// phoneSeparators are the characters citizens put between digit groups,
// including the commas and the enumeration comma 、 of a number spelled in
// Chinese numerals. NFKC has already turned full-width forms into these
// ASCII ones.
const phoneSeparators = " \t-‐‑–—()[]【】./,、"

// ParsePhone parses a mainland China phone number written the way citizens
// write them: with spaces, hyphens or brackets, in full-width digits, and with
// a +86, 0086 or 86 country prefix. A landline may end in an extension after
// 转, 分机, ext, x, # or a final hyphen.
func ParsePhone(s string) (Phone, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	s = numeralsToDigits(s)
	s, ext := splitExtension(s)
	s, international := stripPlus(s)
	groups := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(phoneSeparators, r) })
	if len(groups) == 0 {
		return Phone{}, false
	}
	for _, g := range groups {
		if !allDigits(g) {
			return Phone{}, false
		}
	}

	digits, ok := stripCountryCode(strings.Join(groups, ""), international)
	if !ok {
		return Phone{}, false
	}
	if isMobile(digits) {
		if ext != "" {
			return Phone{}, false
		}
		return Phone{Kind: Mobile, Number: digits}, true
	}
	if p, ok := parseFixed(digits, ext); ok {
		return p, true
	}

	// "0731-88880000-123": the last group is an extension when the rest is a
	// complete fixed-line number.
	last := groups[len(groups)-1]
	if ext == "" && len(groups) >= 2 && len(last) <= 6 {
		return parseFixed(digits[:len(digits)-len(last)], last)
	}
	return Phone{}, false
}

// splitExtension splits an extension marked by a word or sign off the end of s.
func splitExtension(s string) (rest, ext string) {
	m := extensionRE.FindStringSubmatchIndex(s)
	if m == nil {
		return s, ""
	}
	return s[:m[0]], s[m[2]:m[3]]
}

// stripPlus removes a leading "+", "(+" or "00" international prefix and
// reports whether there was one.
func stripPlus(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "(+"):
		return s[2:], true // the ")" after the country code goes with the separators
	case strings.HasPrefix(s, "+"):
		return s[1:], true
	case strings.HasPrefix(s, "00"):
		return s[2:], true
	}
	return s, false
}

// stripCountryCode removes the country code 86. After an international
// prefix it must be there, and a landline gets back the leading 0 of its area
// code. Without one, a leading 86 is removed only before a mobile number.
func stripCountryCode(digits string, international bool) (string, bool) {
	if !international {
		if len(digits) == 13 && strings.HasPrefix(digits, "86") && isMobile(digits[2:]) {
			return digits[2:], true
		}
		return digits, true
	}
	if !strings.HasPrefix(digits, "86") {
		return "", false
	}
	digits = digits[2:]
	if digits == "" || isMobile(digits) || digits[0] == '0' {
		return digits, true
	}
	return "0" + digits, true // "+86 731 …" and "+86 10 …"
}

// parseFixed parses a fixed-line number with or without area code.
func parseFixed(digits, ext string) (Phone, bool) {
	if digits == "" {
		return Phone{}, false
	}
	if digits[0] != '0' {
		if !isSubscriber(digits) {
			return Phone{}, false
		}
		return Phone{Kind: Local, Number: digits, Extension: ext}, true
	}
	n := areaCodeLen(digits)
	if n == 0 || !isSubscriber(digits[n:]) {
		return Phone{}, false
	}
	return Phone{Kind: Landline, AreaCode: digits[:n], Number: digits[n:], Extension: ext}, true
}

// areaCodeLen returns the length of the area code at the start of digits, or
// 0 when digits does not start with one. Beijing (010) and the 02x cities have
// three-digit codes, every other area code has four digits (03xx–09xx).
func areaCodeLen(digits string) int {
	if len(digits) < 4 || digits[0] != '0' {
		return 0
	}
	switch {
	case digits[1] == '1' && digits[2] == '0':
		return 3
	case digits[1] == '2':
		return 3
	case digits[1] >= '3' && digits[1] <= '9':
		return 4
	}
	return 0
}

// isSubscriber reports whether s is a 7- or 8-digit fixed-line subscriber
// number, which never starts with 0 or 1.
func isSubscriber(s string) bool {
	return (len(s) == 7 || len(s) == 8) && s[0] >= '2' && s[0] <= '9' && allDigits(s)
}

// isMobile reports whether s is an 11-digit mobile number starting 13–19.
func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// landlineHintDigits is how many final digits a fixed-line hint shows. A
// subscriber number has 7 or 8 digits and starts with 2-9, so the last four
// of a 7-digit number would leave 800 candidates, the last two leave 80,000.
const landlineHintDigits = 2

// PhoneHint returns a normalised phone number with its middle hidden, for the
// few roles that must tell two callers apart. A mobile number keeps its first
// three and last four digits (138****1111). A fixed-line number keeps its area
// code, if any, and its last two digits (0731-******00, *****78), without the
// extension. It returns "" when phone is not a valid number.
// Callers record every display.
func PhoneHint(phone string) string {
	p, ok := ParsePhone(phone)
	if !ok {
		return ""
	}
	n := p.Number
	if p.Kind == Mobile {
		return n[:3] + "****" + n[7:]
	}
	hint := strings.Repeat("*", len(n)-landlineHintDigits) + n[len(n)-landlineHintDigits:]
	if p.AreaCode != "" {
		hint = p.AreaCode + "-" + hint
	}
	return hint
}

// numeralsToDigits rewrites the runs of Chinese numerals that Mask reads as
// digits (see chineseNumeralRuns), so a number spelled 一三八… parses too.
func numeralsToDigits(s string) string {
	runs := chineseNumeralRuns(s)
	if len(runs) == 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if d, ok := chineseDigits[r]; ok && inRuns(runs, i) {
			b.WriteByte(d)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
