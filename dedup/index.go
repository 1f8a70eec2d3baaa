package dedup

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"minyi/place"
)

// Doc is one item to check or index.
type Doc struct {
	ID         int64
	Text       string    // title and body, masked
	Place      string    // the place field; places in Text are found too
	CitizenKey string    // the caller's blind index, "" when unknown
	At         time.Time // when the item was received
}

// Options tunes an Index. Zero fields take the defaults.
type Options struct {
	// Window is how far apart two duplicates may have been received; 7 days
	// by default.
	Window time.Duration
	// Threshold is the text score at which two items are duplicates on text
	// alone; 0.6 by default. Score combines Jaccard and containment.
	Threshold float64
	// WithContext is the lower text score that suffices when the two items
	// name the same place or come from the same caller; 0.4 by default.
	WithContext float64
	// MaxMatches is the most matches Check returns; 10 by default.
	MaxMatches int
}

func (o *Options) defaults() {
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.6
	}
	if o.WithContext <= 0 {
		o.WithContext = 0.4
	}
	if o.MaxMatches <= 0 {
		o.MaxMatches = 10
	}
}

// Match is an indexed item that a checked item duplicates.
type Match struct {
	ID          int64    `json:"id"`
	Score       float64  `json:"score"` // the text score, in [0, 1]
	Jaccard     float64  `json:"jaccard"`
	Containment float64  `json:"containment"`
	SamePlace   string   `json:"same_place,omitempty"` // the place both items name
	SameCaller  bool     `json:"same_caller,omitempty"`
	Reasons     []string `json:"reasons"`
}

// minBandHits is how many LSH bands an item must share with the checked
// item to be scored.
const minBandHits = 2

type entry struct {
	id      int64
	at      time.Time
	shingle []uint32
	places  []string
	caller  string
	keys    [bands]uint64
	removed bool
}

// Index holds open items for duplicate checks. It is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	opts    Options
	entries []entry
	byID    map[int64]int32
	buckets map[uint64][]int32
	live    int
	dead    int // removed entries still in entries and buckets
}

// NewIndex returns an empty index.
func NewIndex(o Options) *Index {
	o.defaults()
	return &Index{opts: o, byID: map[int64]int32{}, buckets: map[uint64][]int32{}}
}

// Len returns the number of items in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// placeNames returns the normalised names of the places in text and the
// place field, for comparing two items' places.
func placeNames(d Doc) []string {
	var out []string
	for _, m := range place.Extract(d.Text + "\n" + d.Place) {
		names := []string{m.Name}
		if m.Kind == place.Intersection {
			names = m.Roads
		}
		for _, n := range names {
			n = strings.TrimSuffix(n, "小区")
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func newEntry(d Doc) entry {
	sh := Shingles(d.Text)
	return entry{id: d.ID, at: d.At, shingle: sh, places: placeNames(d), caller: d.CitizenKey,
		keys: bandKeys(signature(sh))}
}

// Add puts d into the index, replacing an item with the same ID.
func (x *Index) Add(d Doc) {
	e := newEntry(d)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(d.ID)
	if len(e.shingle) == 0 {
		return
	}
	pos := int32(len(x.entries))
	x.entries = append(x.entries, e)
	x.byID[d.ID] = pos
	for _, k := range e.keys {
		x.buckets[k] = append(x.buckets[k], pos)
	}
	x.live++
}

// Remove takes an item out of the index, for example when it closes or is
// merged. Removing an unknown id does nothing.
func (x *Index) Remove(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
}

func (x *Index) removeLocked(id int64) {
	pos, ok := x.byID[id]
	if !ok {
		return
	}
	x.entries[pos].removed = true
	x.entries[pos].shingle = nil
	delete(x.byID, id)
	x.live--
	x.dead++
	if x.dead > 1024 && x.dead > x.live {
		x.rebuildLocked()
	}
}

// rebuildLocked drops removed entries and their bucket slots, which a check
// would otherwise keep skipping.
func (x *Index) rebuildLocked() {
	old := x.entries
	x.entries = make([]entry, 0, x.live)
	x.byID = make(map[int64]int32, x.live)
	x.buckets = make(map[uint64][]int32, len(x.buckets)/2)
	for _, e := range old {
		if e.removed {
			continue
		}
		pos := int32(len(x.entries))
		x.entries = append(x.entries, e)
		x.byID[e.id] = pos
		for _, k := range e.keys {
			x.buckets[k] = append(x.buckets[k], pos)
		}
	}
	x.dead = 0
}

// Check returns the indexed items that d duplicates, best first and at most
// Options.MaxMatches of them. An item
// counts when it was received within the window of d.At and its text score
// reaches the threshold, or the lower context threshold when both items
// name the same place or come from the same caller. d itself, by ID, is
// never returned.
func (x *Index) Check(d Doc) []Match {
	e := newEntry(d)
	if len(e.shingle) == 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// Unrelated texts share a band now and then, while near-duplicates share
	// several (8 of 32 expected at Jaccard 0.5). Only items that collide in
	// at least minBandHits bands are scored.
	hits := make(map[int32]uint8, 1024)
	for _, k := range e.keys {
		for _, pos := range x.buckets[k] {
			hits[pos]++
		}
	}

	var out []Match
	for pos, n := range hits {
		if n < minBandHits {
			continue
		}
		if m, ok := x.score(&e, &x.entries[pos]); ok {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return int(a.ID - b.ID)
	})

	if len(out) > x.opts.MaxMatches {
		out = out[:x.opts.MaxMatches]
	}
	for i := range out {
		out[i].Reasons = reasons(out[i], e.at.Sub(x.entries[x.byID[out[i].ID]].at))
	}
	return out
}

func (x *Index) score(q, c *entry) (Match, bool) {
	if c.removed || c.id == q.id {
		return Match{}, false
	}
	if gap := q.at.Sub(c.at); gap > x.opts.Window || gap < -x.opts.Window {
		return Match{}, false
	}
	j, cont := Similarity(q.shingle, c.shingle)
	m := Match{ID: c.id, Jaccard: j, Containment: cont, Score: textScore(j, cont, len(q.shingle), len(c.shingle))}
	for _, p := range q.places {
		if slices.Contains(c.places, p) {
			m.SamePlace = p
			break
		}
	}
	m.SameCaller = q.caller != "" && q.caller == c.caller
	need := x.opts.Threshold
	if m.SamePlace != "" || m.SameCaller {
		need = x.opts.WithContext
	}
	return m, m.Score >= need
}

func reasons(m Match, gap time.Duration) []string {
	out := []string{fmt.Sprintf("text %.0f%% alike (Jaccard %.2f, containment %.2f)",
		100*m.Score, m.Jaccard, m.Containment)}
	if m.SamePlace != "" {
		out = append(out, "same place "+m.SamePlace)
	}
	if m.SameCaller {
		out = append(out, "same caller")
	}
	if gap < 0 {
		gap = -gap
	}
	return append(out, fmt.Sprintf("received %s apart", gap.Round(time.Minute)))
}

// textScore is the Jaccard index, raised towards the containment when the
// shorter text is a long enough fragment of the other to be a truncated
// copy. Very short fragments get no such credit, because a few shared
// trigrams are all they have.
func textScore(jaccard, containment float64, na, nb int) float64 {
	if min(na, nb) < 12 {
		return jaccard
	}
	return max(jaccard, 0.85*containment)
}
