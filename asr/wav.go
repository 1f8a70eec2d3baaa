package asr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The recording format the citizen page encodes and the recognisers take.
const (
	SampleRate    = 16000
	Channels      = 1
	BitsPerSample = 16
	bytesPerSec   = SampleRate * Channels * BitsPerSample / 8
)

// Limits of one recording. MaxDuration matches the page's 60-second cap;
// MinDuration rejects a tap that recorded nothing useful.
const (
	MaxDuration = 60 * time.Second
	MinDuration = 300 * time.Millisecond
	// MaxWAVBytes admits 60 seconds of samples plus room for the header and
	// a few small metadata chunks.
	MaxWAVBytes = int(MaxDuration/time.Second)*bytesPerSec + 4096
)

// Errors of ValidateWAV. Each matches ErrInvalidAudio too.
var (
	ErrInvalidAudio      = errors.New("asr: invalid recording")
	ErrNotWAV            = fmt.Errorf("%w: not a RIFF/WAVE file", ErrInvalidAudio)
	ErrTruncated         = fmt.Errorf("%w: truncated WAV file", ErrInvalidAudio)
	ErrUnsupportedFormat = fmt.Errorf("%w: not 16 kHz mono 16-bit PCM", ErrInvalidAudio)
	ErrTooLong           = fmt.Errorf("%w: longer than %s", ErrInvalidAudio, MaxDuration)
	ErrTooShort          = fmt.Errorf("%w: shorter than %s", ErrInvalidAudio, MinDuration)
	ErrTooLarge          = fmt.Errorf("%w: larger than %d bytes", ErrInvalidAudio, MaxWAVBytes)
)

// WAV describes a parsed WAV file.
type WAV struct {
	Format        int // 1 for PCM
	SampleRate    int
	Channels      int
	BitsPerSample int
	Data          []byte // the sample bytes of the data chunk, little-endian
}

// Duration returns the playing time of the samples.
func (w WAV) Duration() time.Duration {
	frame := w.Channels * w.BitsPerSample / 8
	if frame <= 0 || w.SampleRate <= 0 {
		return 0
	}
	return time.Duration(len(w.Data)/frame) * time.Second / time.Duration(w.SampleRate)
}

// Samples returns the data as signed 16-bit samples. It is meaningful only
// for 16-bit PCM.
func (w WAV) Samples() []int16 {
	out := make([]int16, len(w.Data)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(w.Data[2*i:]))
	}
	return out
}

const (
	formatPCM        = 1
	formatExtensible = 0xFFFE
)

// pcmSubFormat is the GUID of PCM in a WAVE_FORMAT_EXTENSIBLE header.
var pcmSubFormat = []byte{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// ParseWAV reads the chunks of a RIFF/WAVE file: its fmt chunk and its data
// chunk, skipping any others. It checks the structure, not the format.
func ParseWAV(b []byte) (WAV, error) {
	var w WAV
	if len(b) < 12 || !bytes.Equal(b[0:4], []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WAVE")) {
		return w, ErrNotWAV
	}
	if riff := binary.LittleEndian.Uint32(b[4:8]); uint64(riff)+8 > uint64(len(b)) {
		return w, fmt.Errorf("%w: RIFF size %d exceeds the %d bytes received", ErrTruncated, riff, len(b)-8)
	}
	seenFmt, seenData := false, false
	for off := 12; off < len(b) && !seenData; {
		if len(b)-off < 8 {
			return w, fmt.Errorf("%w: chunk header at byte %d", ErrTruncated, off)
		}
		id := string(b[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		off += 8
		if size > uint64(len(b)-off) {
			return w, fmt.Errorf("%w: chunk %q of %d bytes at byte %d", ErrTruncated, id, size, off-8)
		}
		body := b[off : off+int(size)]
		switch id {
		case "fmt ":
			if size < 16 {
				return w, fmt.Errorf("%w: fmt chunk of %d bytes", ErrNotWAV, size)
			}
			w.Format = int(binary.LittleEndian.Uint16(body[0:2]))
			w.Channels = int(binary.LittleEndian.Uint16(body[2:4]))
			w.SampleRate = int(binary.LittleEndian.Uint32(body[4:8]))
			w.BitsPerSample = int(binary.LittleEndian.Uint16(body[14:16]))
			if w.Format == formatExtensible && size >= 40 && bytes.Equal(body[24:40], pcmSubFormat) {
				w.Format = formatPCM
			}
			seenFmt = true
		case "data":
			if !seenFmt {
				return w, fmt.Errorf("%w: data chunk before fmt chunk", ErrNotWAV)
			}
			w.Data = body
			seenData = true
		}
		off += int(size) + int(size%2) // chunks are padded to an even length
	}
	if !seenFmt || !seenData {
		return w, fmt.Errorf("%w: no fmt or no data chunk", ErrTruncated)
	}
	return w, nil
}

// ValidateWAV checks that b is a recording minyi accepts: a RIFF/WAVE file
// of 16 kHz mono 16-bit PCM, at most MaxWAVBytes, from MinDuration to
// MaxDuration long. Every error matches ErrInvalidAudio.
func ValidateWAV(b []byte) (WAV, error) {
	if len(b) > MaxWAVBytes {
		return WAV{}, ErrTooLarge
	}
	w, err := ParseWAV(b)
	if err != nil {
		return w, err
	}
	if w.Format != formatPCM || w.SampleRate != SampleRate || w.Channels != Channels || w.BitsPerSample != BitsPerSample {
		return w, fmt.Errorf("%w: format %d, %d Hz, %d channels, %d bits", ErrUnsupportedFormat,
			w.Format, w.SampleRate, w.Channels, w.BitsPerSample)
	}
	if len(w.Data)%2 != 0 {
		return w, fmt.Errorf("%w: odd number of sample bytes", ErrTruncated)
	}
	switch d := w.Duration(); {
	case d > MaxDuration:
		return w, fmt.Errorf("%w: %s", ErrTooLong, d)
	case d < MinDuration:
		return w, fmt.Errorf("%w: %s", ErrTooShort, d)
	}
	return w, nil
}

// EncodeWAV writes 16-bit samples as a WAV file with the given rate and
// channel count, as the citizen page does.
func EncodeWAV(samples []int16, rate, channels int) []byte {
	data := len(samples) * 2
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], formatPCM)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}
