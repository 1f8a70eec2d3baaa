package classify

import (
	"math"
	"math/rand/v2"
)

// sparseVector is a text's feature values, by feature index.
type sparseVector struct {
	index []int32
	value []float64
}

// tfidfVector weighs n-gram counts as (1+log tf)·idf and scales the result to
// unit length. Counts of n-grams that are not features are dropped.
func (m *Model) tfidfVector(counts map[string]float64) sparseVector {
	var v sparseVector
	for g, tf := range counts {
		if f, ok := m.index.lookup(g); ok {
			v.index = append(v.index, f)
			v.value = append(v.value, tf)
		}
	}
	m.weigh(v)
	return v
}

// weigh turns the counts of v into TF-IDF weights of unit length, in place.
func (m *Model) weigh(v sparseVector) {
	var norm2 float64
	for i, f := range v.index {
		x := (1 + math.Log(v.value[i])) * float64(m.idf[f])
		v.value[i] = x
		norm2 += x * x
	}
	if norm2 > 0 {
		inv := 1 / math.Sqrt(norm2)
		for i := range v.value {
			v.value[i] *= inv
		}
	}
}

// trainLinear fits a multinomial logistic regression over TF-IDF weighted
// character n-grams by stochastic gradient descent with L2 regularisation.
// The step size decays as eta0/(1+eta0·λ·t), and the regularisation shrinks
// all weights through one shared scale factor, so that a step costs the
// number of non-zero features times the number of labels, not the model size.
// The result is the average of the weights at the ends of the last half of
// the epochs, which smooths out the noise of the last steps.
func trainLinear(examples []Example, opts Options) *Model {
	labels, y := labelIndex(examples)
	k := len(labels)
	df := map[string]int{}
	docs := make([]map[string]float64, len(examples))
	for i, ex := range examples {
		docs[i] = countGrams(ex.Text, opts.MinN, opts.MaxN, opts.MaxChars)
		for g := range docs[i] {
			df[g]++
		}
	}
	m := newModel(MethodLinear, labels, opts, df)
	n := float64(len(examples))
	m.idf = make([]float32, len(m.terms))
	for f, g := range m.terms {
		m.idf[f] = float32(math.Log((1+n)/(1+float64(df[g]))) + 1)
	}
	xs := make([]sparseVector, len(docs))
	for i, doc := range docs {
		xs[i] = m.tfidfVector(doc)
		docs[i] = nil
	}

	sgd := newSGD(len(m.terms), k, opts)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, uint64(len(xs))))
	for epoch := range opts.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			sgd.step(xs[i], y[i])
		}
		if epoch >= opts.Epochs/2 {
			sgd.accumulate()
		}
		opts.progress("epoch", epoch+1, opts.Epochs)
	}
	sgd.averaged(m.weights, m.bias)
	return m
}

// sgd is the state of the SGD trainer. The true weights are scale·w.
type sgd struct {
	k       int
	w       []float64 // by feature, then label
	scale   float64
	bias    []float64
	eta0    float64
	lambda  float64
	t       float64   // steps taken
	p       []float64 // scratch: scores, then gradients per label
	sumW    []float64 // sums of the true weights at each accumulate
	sumBias []float64
	steps   float64 // accumulate calls
	hinge   bool
}

func newSGD(features, k int, opts Options) *sgd {
	return &sgd{
		k: k, w: make([]float64, features*k), scale: 1, bias: make([]float64, k),
		eta0: opts.LearningRate, lambda: opts.Lambda, p: make([]float64, k),
		sumW: make([]float64, features*k), sumBias: make([]float64, k), hinge: opts.Loss != LossLog,
	}
}

// step takes one gradient step on the example x with label y.
func (s *sgd) step(x sparseVector, y int) {
	k := s.k
	eta := s.eta0 / (1 + s.eta0*s.lambda*s.t)
	s.t++
	copy(s.p, s.bias)
	for j, f := range x.index {
		w := s.w[int(f)*k : int(f)*k+k]
		for c := range s.p {
			s.p[c] += s.scale * w[c] * x.value[j]
		}
	}
	s.gradient(y)
	s.scale *= 1 - eta*s.lambda
	if s.scale < 1e-9 {
		s.rescale()
	}
	for c, g := range s.p {
		s.bias[c] -= eta * g
	}
	for j, f := range x.index {
		w := s.w[int(f)*k : int(f)*k+k]
		d := eta * x.value[j] / s.scale
		for c, g := range s.p {
			w[c] -= d * g
		}
	}
}

// gradient replaces the scores in s.p by the loss gradient per label.
func (s *sgd) gradient(y int) {
	if s.hinge {
		// Crammer–Singer multiclass hinge: max(0, 1 + max_{c≠y} s_c − s_y).
		worst := -1
		for c := range s.p {
			if c != y && (worst < 0 || s.p[c] > s.p[worst]) {
				worst = c
			}
		}
		violated := worst >= 0 && 1+s.p[worst]-s.p[y] > 0
		for c := range s.p {
			s.p[c] = 0
		}
		if violated {
			s.p[worst], s.p[y] = 1, -1
		}
		return
	}
	probs := softmax(s.p, 1)
	for c, p := range probs {
		if c == y {
			p--
		}
		s.p[c] = p
	}
}

func (s *sgd) rescale() {
	for i := range s.w {
		s.w[i] *= s.scale
	}
	s.scale = 1
}

// accumulate adds the current weights to the running sums.
func (s *sgd) accumulate() {
	for i, v := range s.w {
		s.sumW[i] += s.scale * v
	}
	for c, b := range s.bias {
		s.sumBias[c] += b
	}
	s.steps++
}

// averaged writes the averaged weights, or the last ones without averaging.
func (s *sgd) averaged(weights []float32, bias []float64) {
	for i := range weights {
		if s.steps > 0 {
			weights[i] = float32(s.sumW[i] / s.steps)
		} else {
			weights[i] = float32(s.scale * s.w[i])
		}
	}
	for c := range bias {
		if s.steps > 0 {
			bias[c] = s.sumBias[c] / s.steps
		} else {
			bias[c] = s.bias[c]
		}
	}
}
