package asr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeServer answers like an OpenAI-compatible transcription server after
// checking the request.
func fakeServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, chan map[string]string) {
	t.Helper()
	got := make(chan map[string]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fields := map[string]string{"path": r.URL.Path, "method": r.Method}
		if err := r.ParseMultipartForm(4 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				fields[k] = v[0]
			}
			if fh := r.MultipartForm.File["file"]; len(fh) == 1 {
				f, _ := fh[0].Open()
				b, _ := io.ReadAll(f)
				f.Close()
				if _, err := ValidateWAV(b); err == nil {
					fields["file"] = "valid wav"
				}
			}
		}
		select {
		case got <- fields:
		default:
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestHTTPRecognize(t *testing.T) {
	wav := EncodeWAV(tone(time.Second, 16000, 1), 16000, 1)
	cases := []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request)
		timeout time.Duration
		want    string
		wantErr error
	}{
		{"text", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"text":" 小区门口路灯坏了 "}`) }, 0, "小区门口路灯坏了", nil},
		{"empty text", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"text":""}`) }, 0, "", ErrNoSpeech},
		{"status 500", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "model crashed", 500) }, 0, "", ErrUnavailable},
		{"bad JSON", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"text": "半截`) }, 0, "", ErrUnavailable},
		{"JSON without text", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"error":"x"}`) }, 0, "", ErrUnavailable},
		{"plain text reply", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "小区门口路灯坏了") }, 0, "", ErrUnavailable},
		{"time-out", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 300 * time.Millisecond, "", ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := fakeServer(t, c.answer)
			h, err := NewHTTP(srv.URL, "", c.timeout)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			text, err := h.Recognize(context.Background(), wav)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Recognize error %v, want %v", err, c.wantErr)
				}
				if strings.Contains(err.Error(), "半截") || strings.Contains(err.Error(), "crashed") {
					t.Fatalf("error quotes the reply: %v", err)
				}
			} else if err != nil || text != c.want {
				t.Fatalf("Recognize = %q, %v; want %q", text, err, c.want)
			}
			if c.timeout > 0 && time.Since(start) > 2*time.Second {
				t.Fatalf("time-out of %s took %s", c.timeout, time.Since(start))
			}
			f := <-got
			want := map[string]string{"path": TranscriptionPath, "method": "POST", "model": DefaultModel,
				"language": "zh", "file": "valid wav"}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("request %s = %q, want %q", k, f[k], v)
				}
			}
		})
	}
}

func TestHTTPRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	h, err := NewHTTP(url, "", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Recognize(context.Background(), EncodeWAV(tone(time.Second, 16000, 1), 16000, 1)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Recognize on a closed port = %v, want ErrUnavailable", err)
	}
}

func TestNewHTTPEndpoint(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://127.0.0.1:8178", "http://127.0.0.1:8178/v1/audio/transcriptions"},
		{"http://127.0.0.1:8178/", "http://127.0.0.1:8178/v1/audio/transcriptions"},
		{"https://asr.internal/inference", "https://asr.internal/inference"},
	} {
		h, err := NewHTTP(c.in, "", 0)
		if err != nil || h.Endpoint() != c.want {
			t.Errorf("NewHTTP(%q) endpoint %v, %v; want %q", c.in, h, err, c.want)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8178", "ftp://x/", "http://"} {
		if _, err := NewHTTP(bad, "", 0); err == nil {
			t.Errorf("NewHTTP(%q) accepted", bad)
		}
	}
}

func TestConfigAndOpen(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(env(map[string]string{"MINYI_ASR_URL": "http://127.0.0.1:9", "MINYI_ASR_TIMEOUT": "7"}))
	if err != nil || c.Timeout != 7*time.Second || c.Model != DefaultModel {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
	if c, err := ConfigFromEnv(env(map[string]string{"MINYI_ASR_TIMEOUT": "1500ms"})); err != nil || c.Timeout != 1500*time.Millisecond {
		t.Fatalf("timeout 1500ms = %+v, %v", c, err)
	}
	for _, bad := range []string{"soon", "-3", "0", "2h"} {
		if _, err := ConfigFromEnv(env(map[string]string{"MINYI_ASR_TIMEOUT": bad})); err == nil {
			t.Errorf("MINYI_ASR_TIMEOUT=%q accepted", bad)
		}
	}
	r, st, err := Open(c)
	if err != nil || !st.Enabled || st.Engine != "http" || r == nil {
		t.Fatalf("Open with URL = %v, %+v, %v", r, st, err)
	}
	r, st, err = Open(Config{})
	if err != nil || st.Enabled || r != nil || st.Reason == "" {
		t.Fatalf("Open without configuration = %v, %+v, %v", r, st, err)
	}
	r, st, err = Open(Config{ModelDir: t.TempDir()})
	if err != nil || st.Enabled || r != nil || st.Reason == "" {
		t.Fatalf("Open with an empty model folder = %v, %+v, %v", r, st, err)
	}
	if _, _, err := Open(Config{URL: "not a url"}); err == nil {
		t.Fatal("Open with a bad URL succeeded")
	}
}
