package hot

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"minyi/place"
)

// anonymised matches the stand-ins such as A市 and A3区 that replace city and
// district names in anonymised data. Every message has them, so they are
// dropped before comparing texts and places.
var anonymised = regexp.MustCompile(`[A-Z][0-9]*[市区县]`)

// bigrams returns the character bigram counts of the Han, letter and digit
// runs of text.
func bigrams(text string, weight float64, into map[string]float64) {
	text = anonymised.ReplaceAllString(text, " ")
	var run []rune
	flush := func() {
		for i := 0; i+1 < len(run); i++ {
			into[string(run[i:i+2])] += weight
		}
		run = run[:0]
	}
	for _, r := range text {
		if unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r) {
			run = append(run, unicode.ToLower(r))
			continue
		}
		flush()
	}
	flush()
}

// vector is a sparse, L2-normalised TF-IDF vector, sorted by term.
type vector struct {
	terms   []string
	weights []float64
}

func cosine(a, b vector) float64 {
	s, i, j := 0.0, 0, 0
	for i < len(a.terms) && j < len(b.terms) {
		switch {
		case a.terms[i] == b.terms[j]:
			s += a.weights[i] * b.weights[j]
			i++
			j++
		case a.terms[i] < b.terms[j]:
			i++
		default:
			j++
		}
	}
	return s
}

// bodyChars is how much of a body counts: the first sentences say what the
// message is about, the rest adds detail that differs between citizens.
const bodyChars = 300

// vectorize builds TF-IDF vectors of the items, titles counting double.
func vectorize(items []Item) []vector {
	counts := make([]map[string]float64, len(items))
	df := map[string]int{}
	for i, it := range items {
		m := map[string]float64{}
		bigrams(it.Title, 2, m)
		body := []rune(it.Body)
		if len(body) > bodyChars {
			body = body[:bodyChars]
		}
		bigrams(string(body), 1, m)
		counts[i] = m
		for t := range m {
			df[t]++
		}
	}
	n := float64(len(items))
	out := make([]vector, len(items))
	for i, m := range counts {
		v := vector{terms: make([]string, 0, len(m))}
		for t := range m {
			v.terms = append(v.terms, t)
		}
		sort.Strings(v.terms)
		norm := 0.0
		v.weights = make([]float64, len(v.terms))
		for k, t := range v.terms {
			w := (1 + math.Log(m[t])) * math.Log(1+n/float64(df[t]))
			v.weights[k] = w
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for k := range v.weights {
			v.weights[k] /= norm
		}
		out[i] = v
	}
	return out
}

// topTerms returns the k terms of v with the highest weight.
func topTerms(v vector, k int) []string {
	idx := make([]int, len(v.terms))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		if v.weights[idx[a]] != v.weights[idx[b]] {
			return v.weights[idx[a]] > v.weights[idx[b]]
		}
		return v.terms[idx[a]] < v.terms[idx[b]]
	})
	if len(idx) > k {
		idx = idx[:k]
	}
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = v.terms[j]
	}
	return out
}

// specificKinds are the mention kinds that name one spot. Roads and
// intersections are left out because a long road carries many unrelated
// problems.
var specificKinds = map[place.Kind]bool{
	place.Estate: true, place.Shop: true, place.Station: true, place.BusStop: true, place.Landmark: true,
}

// placeKeys returns the specific places an item names, normalised so that
// 丽发新城小区, 丽发新城社区 and 丽发新城 compare equal.
func placeKeys(it Item) []string {
	var out []string
	text := anonymised.ReplaceAllString(it.Title+"\n"+it.Body+"\n"+it.Place, "，")
	for _, m := range place.Extract(text) {
		if !specificKinds[m.Kind] {
			continue
		}
		k := strings.TrimSuffix(strings.TrimSuffix(m.Name, "小区"), "社区")
		if len([]rune(k)) < 3 {
			continue
		}
		if !containsString(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
