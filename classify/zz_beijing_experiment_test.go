package classify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Temporary experiment; deleted after measuring.
func TestZZBeijingExperiment(t *testing.T) {
	train, held := Split(readData(t, "beijing-messages.jsonl"))
	for _, minDF := range []int{20, 50} {
		// Dictionary: 2–4-character n-grams in at least minDF training texts.
		df := map[string]int{}
		for _, ex := range train {
			seen := map[string]bool{}
			eachGram(featureText(ex.Text, 0), 2, 4, func(g string) {
				if !seen[g] {
					seen[g] = true
					df[g]++
				}
			})
		}
		dict := map[string]bool{}
		for g, n := range df {
			if n >= minDF && !strings.ContainsAny(g, "，。？！、：；0*") {
				dict[g] = true
			}
		}
		segment := func(s string) []string {
			var words []string
			r := []rune(s)
			for i := 0; i < len(r); {
				n := 1
				for k := 4; k >= 2; k-- {
					if i+k <= len(r) && dict[string(r[i:i+k])] {
						n = k
						break
					}
				}
				words = append(words, string(r[i:i+n]))
				i += n
			}
			return words
		}
		codes := map[string]rune{}
		next := rune(0xF0000)
		code := func(tok string, add bool) (rune, bool) {
			c, ok := codes[tok]
			if !ok && add && next < 0x10FFFD {
				if next == 0xFFFFE {
					next = 0x100000
				}
				c, ok = next, true
				codes[tok] = c
				next++
			}
			return c, ok
		}
		for _, variant := range []string{"words", "words+bigrams"} {
			enrich := func(text string, add bool) string {
				words := segment(featureText(text, 0))
				var b strings.Builder
				b.WriteString(text)
				for i, w := range words {
					if utf8.RuneCountInString(w) >= 2 {
						if c, ok := code("w:"+w, add); ok {
							b.WriteString(" " + string(c))
						}
					}
					if variant == "words+bigrams" && i > 0 {
						if c, ok := code("b:"+words[i-1]+"|"+w, add); ok {
							b.WriteString(" " + string(c))
						}
					}
				}
				return b.String()
			}
			tr := make([]Example, len(train))
			for i, ex := range train {
				tr[i] = Example{Text: enrich(ex.Text, true), Label: ex.Label}
			}
			he := make([]Example, len(held))
			for i, ex := range held {
				he[i] = Example{Text: enrich(ex.Text, false), Label: ex.Label}
			}
			for _, o := range []Options{{Lambda: 3e-4, MaxChars: -1}, {Lambda: 3e-4, MaxN: 3, MinCount: 3, MaxChars: -1}} {
				m, err := Train(tr, o)
				if err != nil {
					t.Fatal(err)
				}
				r := Evaluate(m, he)
				t.Logf("dict df>=%d (%d entries), %s, chars 1-%d: macroF1 %.4f acc %.4f", minDF, len(dict), variant,
					o.withDefaults().MaxN, r.MacroF1, r.Accuracy)
			}
		}
	}
}
