package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// featureText prepares text for n-gram extraction: Normalize, lower case, and
// every decimal digit mapped to '0', because numbers in messages (dates, house
// numbers, amounts) rarely indicate the label.
func featureText(text string, maxChars int) string {
	text = truncateChars(text, maxChars)
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '0'
		}
		return unicode.ToLower(r)
	}, Normalize(text))
}

// eachGram calls fn with every character n-gram of s for n in [minN, maxN].
// N-grams do not cross a space. The strings passed to fn share memory with s.
func eachGram(s string, minN, maxN int, fn func(gram string)) {
	// starts holds the byte offset of every rune of the current part, plus
	// the part's end; one buffer serves every part.
	starts := make([]int, 0, len(s)+1)
	for part := range strings.SplitSeq(s, " ") {
		starts = starts[:0]
		for i := range part {
			starts = append(starts, i)
		}
		starts = append(starts, len(part))
		runes := len(starts) - 1
		for i := 0; i < runes; i++ {
			for n := minN; n <= maxN && i+n <= runes; n++ {
				fn(part[starts[i]:starts[i+n]])
			}
		}
	}
}

// truncateChars returns the first maxChars characters of s, or all of s when
// maxChars is not positive.
func truncateChars(s string, maxChars int) string {
	if maxChars <= 0 {
		return s
	}
	for i := range s {
		if maxChars == 0 {
			return s[:i]
		}
		maxChars--
	}
	return s
}

// countGrams returns how often each n-gram of the first maxChars characters
// of text occurs.
func countGrams(text string, minN, maxN, maxChars int) map[string]float64 {
	s := featureText(text, maxChars)
	counts := make(map[string]float64, utf8.RuneCountInString(s)*(maxN-minN+1))
	eachGram(s, minN, maxN, func(g string) { counts[g]++ })
	return counts
}
