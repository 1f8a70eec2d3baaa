package asr

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// minModelBytes is far below the smallest Mandarin model (about 70 MB).
const minModelBytes = 1 << 20

// modelFiles are the files of a sherpa-onnx model folder: Paraformer-zh and
// SenseVoice-small both ship model.onnx or model.int8.onnx with tokens.txt.
type modelFiles struct {
	Kind   string // ModelParaformer or ModelSenseVoice
	Model  string
	Tokens string
}

// findModel checks a model folder before any native code sees it, so that a
// missing or incomplete folder is reported in plain words instead of
// failing inside the library.
func findModel(c Config) (modelFiles, error) {
	dir := c.ModelDir
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return modelFiles{}, fmt.Errorf("asr: sherpa-onnx model folder %s not found", dir)
	}
	m := modelFiles{Kind: c.ModelType, Tokens: filepath.Join(dir, "tokens.txt")}
	if _, err := os.Stat(m.Tokens); err != nil {
		return modelFiles{}, fmt.Errorf("asr: sherpa-onnx model folder %s has no tokens.txt", dir)
	}
	// The int8 model is about a quarter of the size and nearly as accurate.
	var size int64
	for _, name := range []string{"model.int8.onnx", "model.onnx"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil {
			m.Model, size = filepath.Join(dir, name), st.Size()
			break
		}
	}
	if m.Model == "" {
		return modelFiles{}, fmt.Errorf("asr: sherpa-onnx model folder %s has neither model.int8.onnx nor model.onnx", dir)
	}
	// onnxruntime aborts the whole process on a file that is not a model.
	// The Mandarin models are hundreds of megabytes; a tiny file is a failed
	// download. A large corrupt file still aborts: docs/voice.md says to
	// check the archive's checksum.
	if size < minModelBytes {
		return modelFiles{}, fmt.Errorf("asr: %s has only %d bytes, too small for a speech model; download it again",
			m.Model, size)
	}
	if m.Kind == "" {
		base := strings.ToLower(filepath.Base(filepath.Clean(dir)))
		m.Kind = ModelParaformer
		if strings.Contains(base, "sense-voice") || strings.Contains(base, "sensevoice") || strings.Contains(base, "sense_voice") {
			m.Kind = ModelSenseVoice
		}
	}
	return m, nil
}
