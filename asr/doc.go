// Package asr turns a citizen's spoken recording into text for voice
// submissions.
//
// A recording arrives as a 16 kHz mono 16-bit PCM WAV file, encoded in the
// citizen's browser. ValidateWAV checks it by its header, never by its name,
// and enforces the size and duration limits. A Recognizer turns it into
// text. Two implementations exist: HTTP, a client for the OpenAI-compatible
// transcription API that whisper.cpp's server and other self-hosted servers
// speak, and an in-process sherpa-onnx recogniser in sherpa.go, built only
// with the build tag "sherpa" because it needs cgo and prebuilt libraries.
// Open picks one from the configuration, or none, and says why.
//
// Recognition runs inside the deployment: a recording is personal data and
// is never sent to a public service.
package asr
