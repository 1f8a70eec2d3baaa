//go:build sherpa

package asr

import (
	"context"
	"fmt"
	"strings"
	"time"

	sherpa "github.com/k2-fsa/sherpa-onnx-go-linux"
)

func init() { openSherpa = newSherpa }

// Sherpa recognises speech in process with sherpa-onnx and a Paraformer-zh
// or SenseVoice-small model. It exists only in builds with the tag "sherpa",
// which need cgo and ship the library's shared objects beside the binary.
type Sherpa struct {
	rec     *sherpa.OfflineRecognizer
	slots   chan struct{}
	timeout time.Duration
}

func newSherpa(c Config) (Recognizer, error) {
	m, err := findModel(c)
	if err != nil {
		return nil, err
	}
	cfg := sherpa.OfflineRecognizerConfig{DecodingMethod: "greedy_search"}
	cfg.FeatConfig = sherpa.FeatureConfig{SampleRate: SampleRate, FeatureDim: 80}
	cfg.ModelConfig.Tokens, cfg.ModelConfig.NumThreads, cfg.ModelConfig.Provider = m.Tokens, c.Threads, "cpu"
	switch m.Kind {
	case ModelSenseVoice:
		cfg.ModelConfig.SenseVoice = sherpa.OfflineSenseVoiceModelConfig{Model: m.Model, Language: "zh",
			UseInverseTextNormalization: 1}
	default:
		cfg.ModelConfig.Paraformer = sherpa.OfflineParaformerModelConfig{Model: m.Model}
	}
	rec := sherpa.NewOfflineRecognizer(&cfg)
	if rec == nil {
		return nil, fmt.Errorf("asr: sherpa-onnx could not load the %s model %s", m.Kind, m.Model)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Decoding takes Threads cores; two at once keep a 2-core server answering pages.
	return &Sherpa{rec: rec, slots: make(chan struct{}, 2), timeout: timeout}, nil
}

// Recognize decodes the recording. A time-out returns ErrUnavailable while
// the decoding finishes in the background, since native code cannot be
// interrupted.
func (s *Sherpa) Recognize(ctx context.Context, wav []byte) (string, error) {
	w, err := ValidateWAV(wav)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("%w: busy for %s", ErrUnavailable, s.timeout)
	}
	samples := w.Samples()
	floats := make([]float32, len(samples))
	for i, v := range samples {
		floats[i] = float32(v) / 32768
	}
	done := make(chan string, 1)
	go func() {
		defer func() { <-s.slots }()
		stream := sherpa.NewOfflineStream(s.rec)
		defer sherpa.DeleteOfflineStream(stream)
		stream.AcceptWaveform(SampleRate, floats)
		s.rec.Decode(stream)
		done <- strings.TrimSpace(stream.GetResult().Text)
	}()
	select {
	case text := <-done:
		if text == "" {
			return "", ErrNoSpeech
		}
		return text, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%w: no result within %s", ErrUnavailable, s.timeout)
	}
}
