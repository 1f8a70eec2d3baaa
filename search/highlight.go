package search

import (
	"html"
	"strings"
)

// Highlight returns text as HTML with the words of query wrapped in <mark>
// and everything else escaped. A character is marked when it is part of one
// of the query's bigrams, or is a one-character word of the query, compared
// after the same folding the index applies. With width > 0 the result is an
// excerpt of about width characters around the first mark, with "…" where
// text was cut.
func Highlight(text, query string, width int) string {
	src := []rune(text)
	norm := make([]rune, len(src))
	for i, r := range src {
		norm[i] = normalizeRune(r)
	}
	marked := make([]bool, len(src))
	for _, g := range queryGroups(query) {
		if g.prefix != "" {
			c := []rune(g.prefix)[0]
			for i, r := range norm {
				if r == c {
					marked[i] = true
				}
			}
			continue
		}
		pair := []rune(g.term)
		for i := 0; i+1 < len(norm); i++ {
			if norm[i] == pair[0] && norm[i+1] == pair[1] {
				marked[i], marked[i+1] = true, true
			}
		}
	}

	start, end := 0, len(src)
	if width > 0 && len(src) > width {
		first := 0
		for i, m := range marked {
			if m {
				first = i
				break
			}
		}
		start = max(0, first-width/4)
		end = min(len(src), start+width)
		start = max(0, end-width)
	}

	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	for i := start; i < end; {
		j := i
		for j < end && marked[j] == marked[i] {
			j++
		}
		part := html.EscapeString(string(src[i:j]))
		if marked[i] {
			b.WriteString("<mark>" + part + "</mark>")
		} else {
			b.WriteString(part)
		}
		i = j
	}
	if end < len(src) {
		b.WriteString("…")
	}
	return b.String()
}
