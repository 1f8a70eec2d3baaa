package asr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Recognizer turns a validated 16 kHz mono 16-bit PCM WAV recording into
// Mandarin text. It returns ErrNoSpeech when the recording holds no words it
// could make out. Implementations are safe for concurrent use.
type Recognizer interface {
	Recognize(ctx context.Context, wav []byte) (string, error)
}

// ErrNoSpeech is returned when recognition worked but found no words.
var ErrNoSpeech = errors.New("asr: no speech recognised")

// ErrUnavailable is returned when the recogniser could not be reached, timed
// out or failed. The recording is kept and a person transcribes it.
var ErrUnavailable = errors.New("asr: recogniser unavailable")

// DefaultTimeout is how long one recognition may take when MINYI_ASR_TIMEOUT
// is not set. A 60-second recording takes a few seconds on a CPU with a small
// model; a citizen should not wait much longer before being told that staff
// will listen instead.
const DefaultTimeout = 20 * time.Second

// The sherpa-onnx model families minyi can load.
const (
	ModelParaformer = "paraformer"
	ModelSenseVoice = "sense_voice"
)

// DefaultModel is the model name sent to an OpenAI-compatible server when
// MINYI_ASR_MODEL is not set. whisper.cpp's server ignores it.
const DefaultModel = "whisper-1"

// Config selects and configures a recogniser.
type Config struct {
	// URL of an OpenAI-compatible transcription server (MINYI_ASR_URL), such
	// as "http://127.0.0.1:8178". A URL without a path gets
	// /v1/audio/transcriptions.
	URL string
	// Model is the model field of the request (MINYI_ASR_MODEL).
	Model string
	// Timeout bounds one recognition (MINYI_ASR_TIMEOUT), in either
	// recogniser.
	Timeout time.Duration
	// ModelDir holds a sherpa-onnx model (MINYI_ASR_MODEL_DIR); it needs a
	// binary built with the tag "sherpa".
	ModelDir string
	// ModelType is "paraformer" or "sense_voice" (MINYI_ASR_MODEL_TYPE);
	// empty guesses from the folder name, which sherpa-onnx's releases
	// spell with "sense-voice" for SenseVoice.
	ModelType string
	// Threads is the number of CPU threads of sherpa-onnx (MINYI_ASR_THREADS).
	Threads int
}

// ConfigFromEnv reads the configuration from MINYI_ASR_URL, MINYI_ASR_MODEL,
// MINYI_ASR_TIMEOUT (a Go duration such as "20s", or plain seconds),
// MINYI_ASR_MODEL_DIR, MINYI_ASR_MODEL_TYPE and MINYI_ASR_THREADS.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{URL: strings.TrimSpace(getenv("MINYI_ASR_URL")), Model: strings.TrimSpace(getenv("MINYI_ASR_MODEL")),
		ModelDir: strings.TrimSpace(getenv("MINYI_ASR_MODEL_DIR")), Timeout: DefaultTimeout, Threads: 2,
		ModelType: strings.TrimSpace(getenv("MINYI_ASR_MODEL_TYPE"))}
	switch c.ModelType {
	case "", ModelParaformer, ModelSenseVoice:
	default:
		return c, fmt.Errorf("asr: MINYI_ASR_MODEL_TYPE: %q is neither %s nor %s", c.ModelType, ModelParaformer, ModelSenseVoice)
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if s := strings.TrimSpace(getenv("MINYI_ASR_TIMEOUT")); s != "" {
		d, err := parseTimeout(s)
		if err != nil {
			return c, fmt.Errorf("asr: MINYI_ASR_TIMEOUT: %w", err)
		}
		c.Timeout = d
	}
	if s := strings.TrimSpace(getenv("MINYI_ASR_THREADS")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			return c, fmt.Errorf("asr: MINYI_ASR_THREADS: %q is not a number from 1 to 64", s)
		}
		c.Threads = n
	}
	return c, nil
}

func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, err2 := strconv.ParseFloat(s, 64)
		if err2 != nil {
			return 0, fmt.Errorf("%q is neither a duration such as 20s nor a number of seconds", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 || d > 10*time.Minute {
		return 0, fmt.Errorf("%q is outside 0 to 10 minutes", s)
	}
	return d, nil
}

// Status says which recogniser runs, or why none does.
type Status struct {
	Enabled bool
	Engine  string // "http", "sherpa-onnx" or ""
	Reason  string // why recognition is off, or a note on a fallback
}

// openSherpa loads the in-process recogniser. It is set by sherpa.go in
// builds with the tag "sherpa"; without the tag it stays nil.
var openSherpa func(c Config) (Recognizer, error)

// Open returns the recogniser the configuration selects and its status. A
// model directory selects sherpa-onnx; when that build tag is missing or the
// model does not load, Open falls back to the URL if one is set. With
// neither, the recogniser is nil and Status.Reason says why: the citizen form
// still accepts recordings, which staff then transcribe. Open fails only on
// a configuration that cannot work as written, such as a malformed URL.
func Open(c Config) (Recognizer, Status, error) {
	var note string
	if c.ModelDir != "" {
		switch {
		case openSherpa == nil:
			note = "MINYI_ASR_MODEL_DIR is set but this binary was built without the build tag sherpa"
		default:
			r, err := openSherpa(c)
			if err == nil {
				return r, Status{Enabled: true, Engine: "sherpa-onnx"}, nil
			}
			note = err.Error()
		}
	}
	if c.URL != "" {
		h, err := NewHTTP(c.URL, c.Model, c.Timeout)
		if err != nil {
			return nil, Status{Reason: err.Error()}, err
		}
		return h, Status{Enabled: true, Engine: "http", Reason: note}, nil
	}
	if note == "" {
		note = "neither MINYI_ASR_URL nor MINYI_ASR_MODEL_DIR is set"
	}
	return nil, Status{Reason: note}, nil
}

// Log writes the status as one line: Info when recognition runs, Warn when
// it is off, so that an operator sees why recordings wait for staff.
func (s Status) Log(log *slog.Logger) {
	switch {
	case !s.Enabled:
		log.Warn("voice recognition is off; recordings are kept for staff to transcribe", "reason", s.Reason)
	case s.Reason != "":
		log.Warn("voice recognition falls back", "engine", s.Engine, "reason", s.Reason)
	default:
		log.Info("voice recognition on", "engine", s.Engine)
	}
}
