package classify

import (
	"hash/fnv"
	"math"
	"sync"
)

// minCalibrationExamples is the smallest training set Train calibrates on. With
// fewer examples the calibration fold is too small to estimate a temperature.
const minCalibrationExamples = 100

// inCalibrationFold reports whether an example belongs to the fifth of the
// training set that Train sets aside to fit the temperature. The hash is
// salted, so this fold is independent of the HeldOut split.
func inCalibrationFold(text string) bool {
	h := fnv.New64a()
	h.Write([]byte("calibration\x00"))
	h.Write([]byte(Normalize(text)))
	return h.Sum64()%5 == 0
}

// calibrated trains a model on all examples with fit and sets its softmax
// temperature. The temperature is the one that minimises the negative
// log-likelihood of a model trained by fit on four fifths of the examples and
// scored on the other fifth, the calibration fold. This temperature scaling
// changes confidences but never which label wins. When lambdas are given, one model
// per candidate is trained on the four fifths and the one with the best
// macro-F1 on the fold sets opts.Lambda for the final model.
func calibrated(examples []Example, opts Options, fit func([]Example, Options) *Model, lambdas []float64) *Model {
	fallback := func() *Model {
		if opts.Lambda == 0 && len(lambdas) > 0 {
			opts.Lambda = lambdaCandidates[len(lambdaCandidates)/2]
		}
		m := fit(examples, opts)
		m.Lambda = opts.Lambda
		return m
	}
	if opts.NoCalibration || len(examples) < minCalibrationExamples {
		return fallback()
	}
	var rest, fold []Example
	for _, ex := range examples {
		if inCalibrationFold(ex.Text) {
			fold = append(fold, ex)
		} else {
			rest = append(rest, ex)
		}
	}
	if len(fold) == 0 || len(rest) == 0 {
		return fallback()
	}

	if len(lambdas) == 0 {
		lambdas = []float64{opts.Lambda}
	}
	// The candidates train concurrently; each run is deterministic, and the
	// first of equally good candidates wins, so the result does not depend on
	// scheduling.
	opts.progress("calibrate", 0, len(lambdas)+1)
	models := make([]*Model, len(lambdas))
	scores := make([]float64, len(lambdas))
	var wg sync.WaitGroup
	for i, lambda := range lambdas {
		wg.Go(func() {
			o := opts
			o.Lambda = lambda
			o.Progress = nil
			models[i] = fit(rest, o)
			scores[i] = Evaluate(models[i], fold).MacroF1
		})
	}
	wg.Wait()
	best := 0
	for i := range scores {
		if scores[i] > scores[best] {
			best = i
		}
	}
	opts.Lambda = lambdas[best]

	temperature := fitTemperature(models[best], fold)
	opts.progress("train", len(lambdas), len(lambdas)+1)
	m := fit(examples, opts)
	m.Temperature = temperature
	m.Lambda = opts.Lambda
	opts.progress("train", len(lambdas)+1, len(lambdas)+1)
	return m
}

// fitTemperature returns the temperature in [0.01, 100] that minimises the
// negative log-likelihood of m's probabilities on examples, found by a
// golden-section search over its logarithm. Examples whose label is not one of
// m's labels are left out.
func fitTemperature(m *Model, examples []Example) float64 {
	label := map[string]int{}
	for i, l := range m.Labels {
		label[l] = i
	}
	type scored struct {
		s     []float64
		truth int
	}
	var rows []scored
	for _, ex := range examples {
		if c, ok := label[ex.Label]; ok {
			s, _ := m.scores(ex.Text)
			rows = append(rows, scored{s, c})
		}
	}
	if len(rows) == 0 {
		return 1
	}

	nll := func(logT float64) float64 {
		var sum float64
		for _, r := range rows {
			sum -= math.Log(max(softmax(r.s, math.Exp(logT))[r.truth], 1e-300))
		}
		return sum
	}

	lo, hi := math.Log(0.01), math.Log(100)
	const phi = 0.6180339887498949
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for hi-lo > 1e-3 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}
