package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// titleWeight is how many times a title occurrence of a term counts against
// one in the body or the reply, so that tickets named after the query rank
// first.
const titleWeight = 3

// MaxQueryChars is the longest query text Find accepts, in characters. Longer
// text is cut, which keeps the number of terms of one query bounded.
const MaxQueryChars = 64

// normalizeRune folds full-width ASCII to half-width and letters to lower
// case, so that "ＡＢ" and "ab" index to the same terms.
func normalizeRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

// indexable reports whether r belongs to a word: letters (Han included) and
// digits. Everything else, punctuation, spaces and the * of masked digits,
// separates runs.
func indexable(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// runs splits text into maximal runs of indexable, normalized characters.
func runs(text string) [][]rune {
	var out [][]rune
	var cur []rune
	for _, r := range text {
		r = normalizeRune(r)
		if indexable(r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// addTerms counts the terms of text into counts, each occurrence weighing
// weight: the bigrams of every run and the run's last character alone.
func addTerms(counts map[string]int, text string, weight int) {
	for _, run := range runs(text) {
		for i := 0; i+1 < len(run); i++ {
			counts[string(run[i:i+2])] += weight
		}
		counts[string(run[len(run)-1])] += weight
	}
}

// Terms returns the index terms of a ticket's title, body and reply with
// their weighted counts.
func Terms(title, body, reply string) map[string]int {
	counts := map[string]int{}
	addTerms(counts, title, titleWeight)
	addTerms(counts, body, 1)
	addTerms(counts, reply, 1)
	return counts
}

// group is one condition a matching ticket must meet: an exact term, or for
// a one-character word every term that starts with that character.
type group struct {
	term   string // exact term; empty for a prefix group
	prefix string // the character of a one-character word
}

// queryGroups parses query text into the conditions Find requires, without
// duplicates, in the order they first appear.
//
// NOTE: a word of three or more characters matches a ticket that contains
// all its bigrams, even apart: 红灯罚款 also matches "红灯…灯罚…罚款". Such
// false matches are rare in Chinese text, and the score does not rank the
// exact phrase above them.
func queryGroups(text string) []group {
	text = truncateChars(text, MaxQueryChars)
	seen := map[group]bool{}
	var out []group
	add := func(g group) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for _, run := range runs(text) {
		if len(run) == 1 {
			add(group{prefix: string(run)})
			continue
		}
		for i := 0; i+1 < len(run); i++ {
			add(group{term: string(run[i : i+2])})
		}
	}
	return out
}

// prefixEnd returns the smallest string greater than every string that starts
// with the one-character prefix p, in code point order.
func prefixEnd(p string) string {
	r, _ := utf8.DecodeRuneInString(p)
	return string(r + 1)
}

func truncateChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == n {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
