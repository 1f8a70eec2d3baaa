package intake

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockElements end a line in the plain text of an HTML mail.
var blockElements = map[atom.Atom]bool{
	atom.Br: true, atom.P: true, atom.Div: true, atom.Li: true, atom.Tr: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Hr: true, atom.Section: true, atom.Article: true,
}

// hiddenElements contain text that a browser does not display.
var hiddenElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Title: true, atom.Template: true,
}

// htmlToText returns the text of an HTML mail body: tags removed, character
// references decoded, script and style dropped, a line break after each block
// element, and runs of spaces and blank lines collapsed.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	hidden := 0
	for {
		t := z.Next()
		switch t {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hiddenElements[a] && t != html.SelfClosingTagToken {
				hidden++
			}
			if blockElements[a] {
				b.WriteByte('\n')
			}
			if a == atom.Td || a == atom.Th {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hiddenElements[a] && hidden > 0 {
				hidden--
			}
			if blockElements[a] {
				b.WriteByte('\n')
			}
		}
	}
}

var (
	spaceRun     = regexp.MustCompile(`[ \t\f\v\x{a0}]+`)
	blankLineRun = regexp.MustCompile(`\n{3,}`)
)

// tidyText collapses spaces within lines and more than one blank line, and
// trims each line.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSpace(spaceRun.ReplaceAllString(line, " "))
	}
	s = strings.Join(lines, "\n")
	return strings.TrimSpace(blankLineRun.ReplaceAllString(s, "\n\n"))
}
