package hot

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// Item is one message to group.
type Item struct {
	ID      string
	Title   string
	Body    string // masked
	Place   string
	Citizen string // a blind index or account id, for counting distinct citizens; may be empty
	At      time.Time
}

// Issue is a group of items about one problem.
type Issue struct {
	Label    string    `json:"label"`           // the title of the most typical item
	Place    string    `json:"place,omitempty"` // the specific place most items name
	Count    int       `json:"count"`
	Citizens int       `json:"citizens"` // distinct citizens; items without one count once each
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Recent   int       `json:"recent"` // items in the last growth period before Options.Now
	Growth   int       `json:"growth"` // Recent minus the items of the period before it
	Score    float64   `json:"score"`
	IDs      []string  `json:"ids"`
	Titles   []string  `json:"titles"` // up to five titles, the most typical first
}

// Options tunes grouping and ranking. Zero fields take the defaults.
type Options struct {
	// Similar is the cosine of TF-IDF bigram vectors at which two items are
	// about the same problem; 0.5 by default.
	Similar float64
	// SamePlace is the lower cosine that suffices when both name the same
	// specific place; 0.2 by default.
	SamePlace float64
	// OtherPlace is the higher cosine needed when both name specific places
	// and none is the same, because the same complaint about two estates is
	// two problems; 0.9 by default.
	OtherPlace float64
	// MinCount leaves out groups with fewer items; 2 by default.
	MinCount int
	// MinCitizens leaves out groups raised by fewer distinct citizens, such
	// as one person writing many times; 2 by default.
	MinCitizens int
	// Now is the end of the growth periods and the reference for recency;
	// zero means the time of the latest item.
	Now time.Time
	// Period is the length of a growth period; 7 days by default.
	Period time.Duration
}

func (o *Options) defaults(items []Item) {
	if o.Similar <= 0 {
		o.Similar = 0.5
	}
	if o.SamePlace <= 0 {
		o.SamePlace = 0.2
	}
	if o.OtherPlace <= 0 {
		o.OtherPlace = 0.9
	}
	if o.MinCount <= 0 {
		o.MinCount = 2
	}
	if o.MinCitizens <= 0 {
		o.MinCitizens = 2
	}
	if o.Period <= 0 {
		o.Period = 7 * 24 * time.Hour
	}
	if o.Now.IsZero() {
		for _, it := range items {
			if it.At.After(o.Now) {
				o.Now = it.At
			}
		}
	}
}

// candidateTerms and maxPosting bound the work per item: candidates come from
// the items sharing one of its most weighted bigrams, and a bigram shared by
// very many items points at no one problem.
const (
	candidateTerms = 8
	maxPosting     = 150
)

// Group returns the issues among items, highest score first. Items are taken
// in time order, and two items are in one issue when a chain of alike pairs
// links them (single linkage). The score is
// W × (1 + 0.5 × recency) + max(Growth, 0), where W counts each citizen's
// first item 1 and each further item by the same citizen ½, and recency is
// exp(−days since the last item / 30). Size counts most, one person writing
// ten times weighs less than ten people, and a growing or fresh issue moves
// up among issues of similar size.
func Group(items []Item, o Options) []Issue {
	o.defaults(items)
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b Item) int { return a.At.Compare(b.At) })
	g := &grouping{o: o, vecs: vectorize(items), keys: make([][]string, len(items)), parent: make([]int, len(items)),
		postings: map[string][]int{}, byPlace: map[string][]int{}}
	for i, it := range items {
		g.keys[i] = placeKeys(it)
	}
	for i := range items {
		g.link(i)
	}

	members := map[int][]int{}
	for i := range items {
		r := find(g.parent, i)
		members[r] = append(members[r], i)
	}
	var out []Issue
	for _, m := range members {
		if len(m) < o.MinCount {
			continue
		}
		if is := summarize(items, g.vecs, g.keys, m, o); is.Citizens >= o.MinCitizens {
			out = append(out, is)
		}
	}
	slices.SortFunc(out, func(a, b Issue) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.IDs[0], b.IDs[0])
	})
	return out
}

// grouping is the state of one Group call: the items' vectors and place
// keys, the union-find forest, and the indexes of the items linked so far.
type grouping struct {
	o        Options
	vecs     []vector
	keys     [][]string
	parent   []int
	postings map[string][]int // top bigram → earlier items
	byPlace  map[string][]int // place key and its endings → earlier items
}

// link joins item i with every earlier item alike enough, then indexes it.
func (g *grouping) link(i int) {
	g.parent[i] = i
	seen := map[int]bool{}
	top := topTerms(g.vecs[i], candidateTerms)
	for _, t := range top {
		if len(g.postings[t]) <= maxPosting {
			for _, j := range g.postings[t] {
				g.consider(i, j, seen)
			}
		}
	}
	for _, k := range g.keys[i] {
		for _, sfx := range suffixKeys(k) {
			for _, j := range g.byPlace[sfx] {
				g.consider(i, j, seen)
			}
		}
	}

	for _, t := range top {
		g.postings[t] = append(g.postings[t], i)
	}
	for _, k := range g.keys[i] {
		for _, sfx := range suffixKeys(k) {
			g.byPlace[sfx] = append(g.byPlace[sfx], i)
		}
	}
}

// consider joins items i and j when their cosine reaches the threshold that
// their places call for.
func (g *grouping) consider(i, j int, seen map[int]bool) {
	if seen[j] {
		return
	}
	seen[j] = true
	need := g.o.Similar
	switch {
	case sharesKey(g.keys[i], g.keys[j]):
		need = g.o.SamePlace
	case len(g.keys[i]) > 0 && len(g.keys[j]) > 0:
		need = g.o.OtherPlace
	}
	if cosine(g.vecs[i], g.vecs[j]) >= need {
		union(g.parent, i, j)
	}
}

// union joins the groups of i and j under the root of the earlier one.
func union(parent []int, i, j int) {
	ri, rj := find(parent, i), find(parent, j)
	switch {
	case ri < rj:
		parent[rj] = ri
	case rj < ri:
		parent[ri] = rj
	}
}

func find(parent []int, i int) int {
	for parent[i] != i {
		parent[i] = parent[parent[i]]
		i = parent[i]
	}
	return i
}

// sharesKey reports whether two items name the same specific place. One
// name may carry a developer's brand or a district before the other, as in
// 万科魅力之城 and 魅力之城, so a name that ends with the other counts.
func sharesKey(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if sameKey(x, y) {
				return true
			}
		}
	}
	return false
}

// suffixKeys returns k and its endings of four or more characters, under
// which an item is indexed so that sameKey pairs meet.
func suffixKeys(k string) []string {
	rs := []rune(k)
	out := []string{k}
	for i := 1; len(rs)-i >= 4; i++ {
		out = append(out, string(rs[i:]))
	}
	return out
}

func sameKey(x, y string) bool {
	if len(x) < len(y) {
		x, y = y, x
	}
	return x == y || (strings.HasSuffix(x, y) && len([]rune(y)) >= 4)
}

// summarize builds the issue of the items at idx.
func summarize(items []Item, vecs []vector, keys [][]string, idx []int, o Options) Issue {
	is := Issue{Count: len(idx), First: items[idx[0]].At, Last: items[idx[0]].At}
	citizens := map[string]bool{}
	for _, i := range idx {
		it := items[i]
		is.IDs = append(is.IDs, it.ID)
		if it.At.Before(is.First) {
			is.First = it.At
		}
		if it.At.After(is.Last) {
			is.Last = it.At
		}
		switch age := o.Now.Sub(it.At); {
		case age >= 0 && age < o.Period:
			is.Recent++
			is.Growth++
		case age >= o.Period && age < 2*o.Period:
			is.Growth--
		}
		if it.Citizen == "" {
			is.Citizens++
		} else if !citizens[it.Citizen] {
			citizens[it.Citizen] = true
			is.Citizens++
		}
	}
	is.Place = commonPlace(items, keys, idx)
	typical := byTypicality(vecs, idx)
	is.Label = items[typical[0]].Title
	for _, i := range typical[:min(5, len(typical))] {
		is.Titles = append(is.Titles, items[i].Title)
	}

	recency := math.Exp(-o.Now.Sub(is.Last).Hours() / 24 / 30)
	weighted := float64(is.Citizens) + 0.5*float64(is.Count-is.Citizens)
	is.Score = math.Round((weighted*(1+0.5*recency)+float64(max(is.Growth, 0)))*100) / 100
	return is
}

// commonPlace returns the place key the items at idx name most, a place in a
// title counting three times as much as one in a body, or "" when fewer than
// about a third of the items name it in the title.
func commonPlace(items []Item, keys [][]string, idx []int) string {
	places := map[string]int{}
	for _, i := range idx {
		for _, k := range keys[i] {
			places[k]++
		}
		// A place in the title is what the message is about, while a body
		// also names landmarks on the way.
		for _, k := range placeKeys(Item{Title: items[i].Title}) {
			places[k] += 2
		}
	}
	place, best := "", 0
	for k, n := range places {
		if n > best || (n == best && k < place) {
			place, best = k, n
		}
	}
	if best < len(idx) {
		return ""
	}
	return place
}

// byTypicality returns idx ordered by the summed cosine to the other items,
// the most typical item first.
func byTypicality(vecs []vector, idx []int) []int {
	centrality := map[int]float64{}
	for _, i := range idx {
		for _, j := range idx {
			if i != j {
				centrality[i] += cosine(vecs[i], vecs[j])
			}
		}
	}
	out := slices.Clone(idx)
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Compare(centrality[b], centrality[a]) })
	return out
}
