package privacy

// idWeights are the GB 11643-1999 weights of the first 17 digits of an
// 18-digit citizen ID number.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum modulo 11 to the check character.
const idCheckChars = "10X98765432"

// IDCheckDigit returns the check character of the first 17 digits of an
// 18-digit ID number, or 0 when first17 is not 17 ASCII digits.
func IDCheckDigit(first17 string) byte {
	if len(first17) != 17 || !allDigits(first17) {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// validID18 reports whether s is an 18-digit ID number with a known province
// code, a plausible birth date and a correct check character (X upper or lower).
func validID18(s string) bool {
	if len(s) != 18 || !validProvince(s[:2]) || !validDate(s[6:10], s[10:12], s[12:14]) {
		return false
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	return IDCheckDigit(s[:17]) == last
}

// validID15 reports whether s is a legacy 15-digit ID number (issued before
// 1999, no check digit): a province code and a plausible 19yy birth date.
func validID15(s string) bool {
	return len(s) == 15 && allDigits(s) && validProvince(s[:2]) && validDate("19"+s[6:8], s[8:10], s[10:12])
}

// validProvince reports whether p is a province-level code of GB/T 2260
// (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71 Taiwan, 81–82 Hong Kong and Macao).
func validProvince(p string) bool {
	if len(p) != 2 || !allDigits(p) {
		return false
	}
	n := int(p[0]-'0')*10 + int(p[1]-'0')
	switch {
	case n >= 11 && n <= 15, n >= 21 && n <= 23, n >= 31 && n <= 37, n >= 41 && n <= 46,
		n >= 50 && n <= 54, n >= 61 && n <= 65, n == 71, n == 81, n == 82:
		return true
	}
	return false
}

// validDate reports whether year (1850–2099), month and day form a real date.
func validDate(year, month, day string) bool {
	if !allDigits(year) || !allDigits(month) || !allDigits(day) {
		return false
	}
	y := atoi(year)
	m := atoi(month)
	d := atoi(day)
	if y < 1850 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// LuhnValid reports whether digits (ASCII digits only) pass the Luhn check
// used by payment card numbers.
func LuhnValid(digits string) bool {
	if !allDigits(digits) {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
