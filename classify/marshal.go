package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"fmt"
	"io"
)

// modelFormat is the version of the serialized form; UnmarshalBinary rejects
// any other.
const modelFormat = 1

// modelData is the serialized form of a Model: gob, compressed with gzip.
type modelData struct {
	Format      int
	Method      string
	Labels      []string
	MinN, MaxN  int
	MaxChars    int
	Terms       []string
	IDF         []float32
	Weights     []float32
	Bias        []float64
	Temperature float64
	Lambda      float64
}

// MarshalBinary encodes the model for storage.
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	err := gob.NewEncoder(zw).Encode(modelData{
		Format: modelFormat, Method: m.Method, Labels: m.Labels, MinN: m.minN, MaxN: m.maxN, MaxChars: m.maxChars,
		Terms: m.terms, IDF: m.idf, Weights: m.weights, Bias: m.bias, Temperature: m.Temperature, Lambda: m.Lambda,
	})
	if err != nil {
		return nil, fmt.Errorf("classify: encode model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("classify: encode model: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes a model encoded by MarshalBinary, replacing m.
func (m *Model) UnmarshalBinary(data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("classify: decode model: %w", err)
	}
	var d modelData
	if err := gob.NewDecoder(zr).Decode(&d); err != nil {
		return fmt.Errorf("classify: decode model: %w", err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("classify: decode model: %w", err)
	}
	if d.Format != modelFormat {
		return fmt.Errorf("classify: decode model: format %d, this build reads format %d", d.Format, modelFormat)
	}
	k := len(d.Labels)
	if k == 0 || len(d.Bias) != k || len(d.Weights) != len(d.Terms)*k || d.MinN < 1 || d.MaxN < d.MinN ||
		d.IDF != nil && len(d.IDF) != len(d.Terms) {
		return fmt.Errorf("classify: decode model: inconsistent sizes (%d labels, %d biases, %d terms, %d weights)",
			k, len(d.Bias), len(d.Terms), len(d.Weights))
	}
	*m = Model{
		Method: d.Method, Labels: d.Labels, minN: d.MinN, maxN: d.MaxN, maxChars: d.MaxChars,
		terms: d.Terms, idf: d.IDF, weights: d.Weights, bias: d.Bias, Temperature: d.Temperature, Lambda: d.Lambda,
	}
	if err := m.buildIndex(); err != nil {
		return fmt.Errorf("classify: decode model: %w", err)
	}
	return nil
}
