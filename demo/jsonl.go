package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"minyi/profile"
)

// jsonlRow is one line of WriteJSONL, in the form that classify.ReadJSONL and
// the JSON Lines import read.
type jsonlRow struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Time  string `json:"time"`
	Label string `json:"label"`
}

// WriteJSONL writes items as JSON Lines with id, title, body, time (RFC 3339
// in the time's own zone) and label: the item's tag for head "tag", its kind
// for head "kind".
func WriteJSONL(w io.Writer, items []Item, head string) error {
	if head != HeadTag && head != HeadKind {
		return fmt.Errorf("demo: unknown head %q (use %q or %q)", head, HeadTag, HeadKind)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		row := jsonlRow{
			ID:    it.Submission.ExternalID,
			Title: it.Submission.Title,
			Body:  it.Submission.Body,
			Time:  it.Submission.ReceivedAt.Format(time.RFC3339Nano),
			Label: it.Tag,
		}
		if head == HeadKind {
			row.Label = it.Kind
		}
		if err := enc.Encode(row); err != nil {
			return fmt.Errorf("demo: write item %s: %w", row.ID, err)
		}
	}
	return nil
}

// SampleJSONL writes Items(p, n, seed, from, to) to w as JSON Lines labelled
// with their tags, for tests of other packages that need generated data.
func SampleJSONL(w io.Writer, p *profile.Profile, n int, seed int64, from, to time.Time) error {
	return WriteJSONL(w, Items(p, n, seed, from, to), HeadTag)
}
