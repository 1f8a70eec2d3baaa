package asr

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// tone returns d of a 440 Hz sine at rate Hz with n channels.
func tone(d time.Duration, rate, n int) []int16 {
	frames := int(d * time.Duration(rate) / time.Second)
	out := make([]int16, frames*n)
	for i := 0; i < frames; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		for c := 0; c < n; c++ {
			out[i*n+c] = v
		}
	}
	return out
}

func TestValidateWAV(t *testing.T) {
	good := EncodeWAV(tone(2*time.Second, 16000, 1), 16000, 1)
	withList := func() []byte {
		// A LIST chunk of odd length before data, as some encoders write.
		b := append([]byte{}, good[:36]...)
		b = append(b, 'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0)
		b = append(b, good[36:]...)
		binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
		return b
	}()
	eightBit := EncodeWAV(tone(2*time.Second, 16000, 1), 16000, 1)
	binary.LittleEndian.PutUint16(eightBit[34:], 8)
	float := EncodeWAV(tone(2*time.Second, 16000, 1), 16000, 1)
	binary.LittleEndian.PutUint16(float[20:], 3)
	cases := []struct {
		name string
		data []byte
		want error
		dur  time.Duration
	}{
		{"16 kHz mono 2 s", good, nil, 2 * time.Second},
		{"extra chunk of odd size", withList, nil, 2 * time.Second},
		{"exactly 60 s", EncodeWAV(tone(60*time.Second, 16000, 1), 16000, 1), nil, 60 * time.Second},
		{"wrong rate 44.1 kHz", EncodeWAV(tone(2*time.Second, 44100, 1), 44100, 1), ErrUnsupportedFormat, 0},
		{"wrong rate 8 kHz", EncodeWAV(tone(2*time.Second, 8000, 1), 8000, 1), ErrUnsupportedFormat, 0},
		{"stereo", EncodeWAV(tone(2*time.Second, 16000, 2), 16000, 2), ErrUnsupportedFormat, 0},
		{"8-bit", eightBit, ErrUnsupportedFormat, 0},
		{"IEEE float", float, ErrUnsupportedFormat, 0},
		{"truncated header", good[:30], ErrTruncated, 0},
		{"header only up to data id", good[:40], ErrTruncated, 0},
		{"data cut short", good[:len(good)/2], ErrTruncated, 0},
		{"fake content named .wav", []byte("<html><script>alert(1)</script></html> voice.wav"), ErrNotWAV, 0},
		{"JPEG bytes", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 100)...), ErrNotWAV, 0},
		{"RIFF but AVI", append([]byte("RIFF\x04\x00\x00\x00AVI "), make([]byte, 4)...), ErrNotWAV, 0},
		{"empty", nil, ErrNotWAV, 0},
		{"too short", EncodeWAV(tone(100*time.Millisecond, 16000, 1), 16000, 1), ErrTooShort, 0},
		{"61 s", EncodeWAV(tone(61*time.Second, 16000, 1), 16000, 1), ErrTooLarge, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := ValidateWAV(c.data)
			if c.want == nil {
				if err != nil {
					t.Fatalf("ValidateWAV: %v", err)
				}
				if got := w.Duration(); got != c.dur {
					t.Fatalf("duration %s, want %s", got, c.dur)
				}
				return
			}
			if !errors.Is(err, c.want) || !errors.Is(err, ErrInvalidAudio) {
				t.Fatalf("ValidateWAV error %v, want %v (and ErrInvalidAudio)", err, c.want)
			}
		})
	}
}

// A 61-second file whose header is within the byte limit still fails on
// duration: the size limit leaves a little slack for metadata chunks.
func TestValidateWAVTooLongWithinBytes(t *testing.T) {
	b := EncodeWAV(tone(60*time.Second+100*time.Millisecond, 16000, 1), 16000, 1)
	if len(b) > MaxWAVBytes {
		t.Fatalf("test file of %d bytes exceeds MaxWAVBytes %d", len(b), MaxWAVBytes)
	}
	if _, err := ValidateWAV(b); !errors.Is(err, ErrTooLong) {
		t.Fatalf("ValidateWAV = %v, want ErrTooLong", err)
	}
}

// sox, where installed, writes the WAV files a deployment's tools produce;
// they must validate as well as the page's own encoder output.
func TestValidateWAVFromSox(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-r", "16000", "-c", "1", "-b", "16"}, true},
		{[]string{"-r", "22050", "-c", "1", "-b", "16"}, false},
		{[]string{"-r", "16000", "-c", "2", "-b", "16"}, false},
	} {
		out := filepath.Join(dir, "t.wav")
		args := append([]string{"-n"}, c.args...)
		args = append(args, out, "synth", "1.5", "sine", "440")
		if b, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
			t.Fatalf("sox %v: %v\n%s", args, err, b)
		}
		b, _ := os.ReadFile(out)
		if _, err := ValidateWAV(b); (err == nil) != c.ok {
			t.Errorf("sox %v: ValidateWAV = %v, want ok=%v", c.args, err, c.ok)
		}
	}
}

func FuzzValidateWAV(f *testing.F) {
	f.Add(EncodeWAV(tone(time.Second, 16000, 1), 16000, 1))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ValidateWAV(b)
		if err == nil && (w.SampleRate != SampleRate || w.Duration() > MaxDuration) {
			t.Fatalf("accepted %d Hz, %s", w.SampleRate, w.Duration())
		}
		if err != nil && !errors.Is(err, ErrInvalidAudio) {
			t.Fatalf("error %v does not match ErrInvalidAudio", err)
		}
	})
}
