package privacy

import (
	"math/rand/v2"
	"strings"
)

// Test data is generated: numbers come from a seeded generator, ID check
// characters and card check digits are computed, so no fixture is a real
// person's number.

var gen = rand.New(rand.NewPCG(2026, 1204))

func digitsN(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + gen.IntN(10)))
	}
	return b.String()
}

// genMobile returns a mobile number with the given three-digit prefix.
func genMobile(prefix string) string { return prefix + digitsN(11-len(prefix)) }

// genID18 returns an 18-digit ID number for region (6 digits) and birth date
// (yyyymmdd) with a correct check character.
func genID18(region, birth string) string {
	first := region + birth + digitsN(3)
	return first + string(IDCheckDigit(first))
}

// genID18WithX returns a valid ID number whose check character is X (or
// x when lower is set).
func genID18WithX(region, birth string, lower bool) string {
	for {
		id := genID18(region, birth)
		if id[17] == 'X' {
			if lower {
				return id[:17] + "x"
			}
			return id
		}
	}
}

// badID18 returns an ID number with a wrong check digit that also fails the
// Luhn check, so no other detector claims it.
func badID18(region, birth string) string {
	id := genID18(region, birth)
	for d := byte('0'); d <= '9'; d++ {
		bad := id[:17] + string(d)
		if d != id[17] && !LuhnValid(bad) {
			return bad
		}
	}
	panic("no bad check digit")
}

// genID15 returns a legacy 15-digit ID number (yymmdd birth date).
func genID15(region, birth string) string { return region + birth + digitsN(3) }

// genCard returns a card number of length n starting with prefix that passes
// the Luhn check.
func genCard(prefix string, n int) string {
	body := prefix + digitsN(n-1-len(prefix))
	for d := byte('0'); d <= '9'; d++ {
		if LuhnValid(body + string(d)) {
			return body + string(d)
		}
	}
	panic("no luhn digit")
}

// badCard returns a card-shaped number of length n that fails the Luhn check.
func badCard(prefix string, n int) string {
	c := genCard(prefix, n)
	last := (c[n-1]-'0'+1)%10 + '0'
	return c[:n-1] + string(last)
}

// fullWidth converts ASCII digits, letters and some punctuation to their
// full-width forms, as Chinese input methods type them.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteRune('\u3000')
		case r > ' ' && r < 0x7f:
			b.WriteRune(r - 0x21 + 0xFF01)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// spaced returns a mobile number grouped 3-4-4 with sep.
func spaced(m, sep string) string { return m[:3] + sep + m[3:7] + sep + m[7:] }

// grouped returns digits in groups of four separated by sep.
func grouped(d, sep string) string {
	var parts []string
	for len(d) > 4 {
		parts = append(parts, d[:4])
		d = d[4:]
	}
	return strings.Join(append(parts, d), sep)
}

func hideMiddle(m, mask string) string {
	return m[:3] + strings.Repeat(mask, 4) + m[7:]
}

// failLuhn appends to prefix a digit that makes the whole fail the Luhn check.
func failLuhn(prefix string) string {
	for d := byte('0'); d <= '9'; d++ {
		if !LuhnValid(prefix + string(d)) {
			return prefix + string(d)
		}
	}
	panic("unreachable")
}
