package classify

import (
	"math"
	"sort"
)

// Report is the quality of a model on labelled examples.
type Report struct {
	Rows     int                    `json:"rows"`
	Accuracy float64                `json:"accuracy"`
	MacroF1  float64                `json:"macro_f1"` // unweighted mean of the per-class F1
	PerClass map[string]ClassReport `json:"per_class"`

	// ECE is the expected calibration error of the confidences: the
	// row-weighted mean gap between mean confidence and accuracy over ten
	// equal-width confidence bins. 0 means confidences match accuracy.
	ECE float64 `json:"ece"`
}

// ClassReport is the quality of a model on one label. A ratio whose
// denominator is zero is reported as 0.
type ClassReport struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"` // examples whose true label this is
}

// Evaluate predicts every example with m and compares with its label. The
// classes are the labels that occur as truth or as prediction, so a label the
// model predicts but the examples never carry counts in MacroF1 with F1 0.
func Evaluate(m *Model, examples []Example) Report {
	pairs := make([][2]string, len(examples))
	confidences := make([]float64, len(examples))
	for i, ex := range examples {
		p := m.Predict(ex.Text)
		pairs[i] = [2]string{ex.Label, p.Label}
		confidences[i] = p.Confidence
	}
	r := reportFromPairs(pairs)
	r.ECE = calibrationError(pairs, confidences)
	return r
}

// calibrationBins is the number of confidence bins of Report.ECE.
const calibrationBins = 10

// calibrationError returns the expected calibration error of predictions with
// the given confidences.
func calibrationError(pairs [][2]string, confidences []float64) float64 {
	var bins [calibrationBins]struct{ correct, confidence float64 }
	for i, p := range pairs {
		b := &bins[min(int(confidences[i]*calibrationBins), calibrationBins-1)]
		b.confidence += confidences[i]
		if p[0] == p[1] {
			b.correct++
		}
	}
	var sum float64
	for _, b := range bins {
		sum += math.Abs(b.confidence - b.correct)
	}
	if len(pairs) == 0 {
		return 0
	}
	return sum / float64(len(pairs))
}

// reportFromPairs computes a Report from (truth, prediction) pairs.
func reportFromPairs(pairs [][2]string) Report {
	type tally struct{ tp, predicted, support int }
	t := map[string]*tally{}
	get := func(l string) *tally {
		if t[l] == nil {
			t[l] = &tally{}
		}
		return t[l]
	}
	correct := 0
	for _, p := range pairs {
		truth, pred := get(p[0]), get(p[1])
		truth.support++
		pred.predicted++
		if p[0] == p[1] {
			truth.tp++
			correct++
		}
	}

	r := Report{Rows: len(pairs), PerClass: make(map[string]ClassReport, len(t))}
	if len(pairs) == 0 {
		return r
	}
	r.Accuracy = float64(correct) / float64(len(pairs))
	labels := make([]string, 0, len(t))
	for l := range t {
		labels = append(labels, l)
	}
	sort.Strings(labels) // a fixed order keeps the floating-point sum reproducible
	for _, l := range labels {
		c := t[l]
		cr := ClassReport{Support: c.support}
		cr.Precision = ratio(c.tp, c.predicted)
		cr.Recall = ratio(c.tp, c.support)
		if cr.Precision+cr.Recall > 0 {
			cr.F1 = 2 * cr.Precision * cr.Recall / (cr.Precision + cr.Recall)
		}
		r.PerClass[l] = cr
		r.MacroF1 += cr.F1
	}
	r.MacroF1 /= float64(len(labels))
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// UnknownLabels returns, sorted, the labels of examples that m cannot
// predict because it was not trained on them. Every example with such a
// label counts as wrong in Evaluate.
func UnknownLabels(m *Model, examples []Example) []string {
	known := make(map[string]bool, len(m.Labels))
	for _, l := range m.Labels {
		known[l] = true
	}
	var out []string
	for l := range LabelCounts(examples) {
		if !known[l] {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// truthMacroF1 returns the mean F1 of the labels that occur as truth in the
// rows r was computed on. Unlike Report.MacroF1 it leaves out a label the
// model predicted but no row carries, so rows that lack one of the model's
// labels do not lower it by that label's zero.
func truthMacroF1(r Report) float64 {
	labels := make([]string, 0, len(r.PerClass))
	for l, c := range r.PerClass {
		if c.Support > 0 {
			labels = append(labels, l)
		}
	}
	sort.Strings(labels) // a fixed order keeps the floating-point sum reproducible
	var sum float64
	for _, l := range labels {
		sum += r.PerClass[l].F1
	}
	n := len(labels)
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
