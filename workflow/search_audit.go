package workflow

import (
	"strings"
	"unicode"
)

// minMaskedDigits is the shortest run of digits that searchFilterText hides.
// Chinese ID numbers have 15 or 18 digits and bank cards 16 to 19, so a run
// this long is taken for one of them even when its check digit is wrong and
// privacy.Mask therefore keeps it.
const minMaskedDigits = 15

// searchFilterText returns the search text as the access log records it:
// text already masked by privacy.Mask, with every run of minMaskedDigits or
// more consecutive digits (ASCII or full-width) replaced by "[数字]". Other
// words, a name included, stay, so that an auditor can tell what was
// searched for.
func searchFilterText(masked string) string {
	runes := []rune(masked)
	var b strings.Builder
	for i := 0; i < len(runes); {
		if !unicode.IsDigit(runes[i]) {
			b.WriteRune(runes[i])
			i++
			continue
		}
		j := i
		for j < len(runes) && unicode.IsDigit(runes[j]) {
			j++
		}
		if j-i < minMaskedDigits {
			b.WriteString(string(runes[i:j]))
			i = j
			continue
		}
		// An ID number may end in the check character X.
		if j < len(runes) && (runes[j] == 'X' || runes[j] == 'x' || runes[j] == 'Ｘ') {
			j++
		}
		b.WriteString("[数字]")
		i = j
	}
	return b.String()
}
