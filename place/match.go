package place

import (
	"slices"
	"strings"
)

// Entry is one named place of a unit, from the unit's place list.
type Entry struct {
	UnitID string
	Name   string
}

// Match is a unit whose place name the text mentions.
type Match struct {
	UnitID string `json:"unit_id"`
	Name   string `json:"name"`   // the unit's place name
	Quoted string `json:"quoted"` // the words of the text that matched it
}

// Gazetteer matches texts against the place names of units.
type Gazetteer struct {
	entries []Entry
}

// NewGazetteer returns a gazetteer of the entries. Names shorter than two
// characters are left out, because they match too much.
func NewGazetteer(entries []Entry) *Gazetteer {
	g := &Gazetteer{}
	for _, e := range entries {
		if len([]rune(e.Name)) >= 2 {
			g.entries = append(g.entries, e)
		}
	}
	return g
}

// genericTails are dropped before comparing a mention with a place name, so
// that 锦绣花园 matches the listed 锦绣花园小区.
var genericTails = []string{"小区", "社区", "片区"}

func core(name string) string {
	for _, t := range genericTails {
		if s, ok := strings.CutSuffix(name, t); ok && len([]rune(s)) >= 2 {
			return s
		}
	}
	return name
}

// Match returns the units whose place names occur in text or equal one of
// the mentions (ignoring tails such as 小区), each unit and name once, in the
// order of the entries.
func (g *Gazetteer) Match(text string, mentions []Mention) []Match {
	var out []Match
	seen := map[Entry]bool{}
	add := func(e Entry, quoted string) {
		if !seen[e] {
			seen[e] = true
			out = append(out, Match{UnitID: e.UnitID, Name: e.Name, Quoted: quoted})
		}
	}
	for _, e := range g.entries {
		if strings.Contains(text, e.Name) {
			add(e, e.Name)
			continue
		}
		c := core(e.Name)
		for _, m := range mentions {
			names := append([]string{m.Name}, m.Roads...)
			if slices.ContainsFunc(names, func(n string) bool { return core(n) == c }) {
				add(e, m.Name)
				break
			}
		}
	}
	return out
}
