package classify

import "testing"

// Temporary experiment; deleted after measuring.
func TestZZBeijingExperiment(t *testing.T) {
	train, held := Split(readData(t, "beijing-messages.jsonl"))
	cases := []struct {
		name string
		opts Options
	}{
		{"svm 1-3 l3e-4 mc2", Options{Lambda: 3e-4, MaxN: 3, MinCount: 2}},
		{"svm 1-3 l3e-4 mc5", Options{Lambda: 3e-4, MaxN: 3, MinCount: 5}},
		{"svm 1-3 l1e-4 mc3 e20", Options{Lambda: 1e-4, MaxN: 3, MinCount: 3, Epochs: 20}},
		{"svm 1-3 l5e-4 mc3", Options{Lambda: 5e-4, MaxN: 3, MinCount: 3}},
		{"svm 1-4 l3e-4 mc3", Options{Lambda: 3e-4, MaxN: 4, MinCount: 3}},
		{"svm 1-3 l3e-4 mc3 all chars", Options{Lambda: 3e-4, MaxN: 3, MinCount: 3, MaxChars: -1}},
		{"svm 1-3 auto-lambda mc3", Options{MaxN: 3, MinCount: 3}},
	}
	var models []*Model
	for _, tc := range cases {
		m, err := Train(train, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
		r := Evaluate(m, held)
		t.Logf("%-28s macroF1 %.4f acc %.4f (lambda %g)", tc.name, r.MacroF1, r.Accuracy, m.Lambda)
	}
	// Averaging the probabilities of all models.
	var pairs [][2]string
	for _, ex := range held {
		sum := map[string]float64{}
		for _, m := range models {
			for _, s := range m.Predict(ex.Text).Top {
				sum[s.Label] += s.Probability
			}
		}
		best, bp := "", -1.0
		for l, p := range sum {
			if p > bp {
				best, bp = l, p
			}
		}
		pairs = append(pairs, [2]string{ex.Label, best})
	}
	r := reportFromPairs(pairs)
	t.Logf("%-28s macroF1 %.4f acc %.4f", "mean of all probabilities", r.MacroF1, r.Accuracy)
}
