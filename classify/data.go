package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Example is one labelled text.
type Example struct {
	Text  string
	Label string
}

// maxLineBytes bounds one JSON Lines row; message bodies are a few kilobytes.
const maxLineBytes = 16 << 20

// maxReportedRows caps how many invalid rows an error lists one by one.
const maxReportedRows = 10

// InvalidRowsError lists the rows of a JSON Lines file that could not be used,
// by line number. ReadJSONL returns it instead of skipping rows silently.
type InvalidRowsError struct {
	Count int      // invalid rows in the file
	Rows  []string // the first few, as "line N: reason"
}

func (e *InvalidRowsError) Error() string {
	msg := fmt.Sprintf("classify: %d invalid rows: %s", e.Count, strings.Join(e.Rows, "; "))
	if e.Count > len(e.Rows) {
		msg += "; …"
	}
	return msg
}

// ReadJSONL reads labelled examples from JSON Lines. The text of a row is its
// "title" and its "body" joined by a newline (either may be missing), and its
// label is "label". Blank lines are ignored. Any row that is not valid JSON or
// has an empty text or label makes ReadJSONL return an *InvalidRowsError
// naming the lines, and no examples, so that a bad file never trains a model
// on part of its rows unnoticed.
func ReadJSONL(r io.Reader) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	var (
		out     []Example
		invalid InvalidRowsError
		line    int
	)
	bad := func(format string, args ...any) {
		invalid.Count++
		if len(invalid.Rows) < maxReportedRows {
			invalid.Rows = append(invalid.Rows, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
		}
	}
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var row struct {
			Title string `json:"title"`
			Body  string `json:"body"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal(b, &row); err != nil {
			bad("invalid JSON: %v", err)
			continue
		}
		text := joinText(row.Title, row.Body)
		label := strings.TrimSpace(row.Label)
		switch {
		case text == "":
			bad("empty title and body")
		case label == "":
			bad("empty label")
		default:
			out = append(out, Example{Text: text, Label: label})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("classify: line %d: longer than %d bytes: %w", line+1, maxLineBytes, err)
		}
		return nil, fmt.Errorf("classify: read line %d: %w", line+1, err)
	}
	if invalid.Count > 0 {
		return nil, &invalid
	}
	return out, nil
}

// joinText joins a title and a body by a newline, dropping whichever is blank.
func joinText(title, body string) string {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	switch {
	case title == "":
		return body
	case body == "":
		return title
	}
	return title + "\n" + body
}

// Normalize returns text in NFKC form, trimmed, with every run of white space
// collapsed to one ASCII space. NFKC maps full-width letters, digits and
// punctuation to their usual forms.
func Normalize(text string) string {
	return strings.Join(strings.FieldsFunc(norm.NFKC.String(text), unicode.IsSpace), " ")
}

// HeldOut reports whether text belongs to the evaluation fifth: it is true when
// the 64-bit FNV-1a hash of the UTF-8 bytes of Normalize(text) is divisible by
// 5. Anyone can reproduce the split from the text alone, so a text keeps its
// side across files, runs and machines.
func HeldOut(text string) bool {
	h := fnv.New64a()
	h.Write([]byte(Normalize(text)))
	return h.Sum64()%5 == 0
}

// Split divides examples into those to train on and those held out by HeldOut.
func Split(examples []Example) (train, heldOut []Example) {
	for _, ex := range examples {
		if HeldOut(ex.Text) {
			heldOut = append(heldOut, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, heldOut
}

// LabelCounts returns how many examples carry each label.
func LabelCounts(examples []Example) map[string]int {
	counts := map[string]int{}
	for _, ex := range examples {
		counts[ex.Label]++
	}
	return counts
}
