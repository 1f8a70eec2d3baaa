package classify

import (
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

// BenchmarkPredict measures the latency of one Predict with the default
// method on held-out messages and reports its p50 and p99 in microseconds.
// The "long" case predicts only held-out bodies of 1,000 characters or more,
// the most a model reads.
func BenchmarkPredict(b *testing.B) {
	for _, name := range []string{"teddy-titles.jsonl", "teddy-bodies.jsonl", "beijing-messages.jsonl", "long"} {
		b.Run(name, func(b *testing.B) {
			file := name
			if name == "long" {
				file = "teddy-bodies.jsonl"
			}
			train, held := Split(readData(b, file))
			if name == "long" {
				held = slices.DeleteFunc(held, func(ex Example) bool { return utf8.RuneCountInString(ex.Text) < 1000 })
			}
			m, err := Train(train, Options{})
			if err != nil {
				b.Fatal(err)
			}
			var latencies []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				m.Predict(held[i%len(held)].Text)
				latencies = append(latencies, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}

// BenchmarkTrain10k measures training with the default options, calibration
// and choice of regularisation included, on 10,000 messages: every body of
// teddy-bodies and the first titles of teddy-titles, which share one label set.
func BenchmarkTrain10k(b *testing.B) {
	examples := readData(b, "teddy-bodies.jsonl")
	titles := readData(b, "teddy-titles.jsonl")
	examples = append(examples, titles[:10000-len(examples)]...)
	for b.Loop() {
		if _, err := Train(examples, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/train")
}
