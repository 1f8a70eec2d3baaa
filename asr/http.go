package asr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TranscriptionPath is the endpoint of the OpenAI-compatible API.
const TranscriptionPath = "/v1/audio/transcriptions"

// maxReply caps the reply read from a transcription server; the text of 60
// seconds of speech is a few hundred bytes.
const maxReply = 1 << 20

// HTTP recognises speech through an OpenAI-compatible transcription server:
// a multipart POST with the fields file, model, language=zh and
// response_format=json, answered by {"text": "..."}.
type HTTP struct {
	endpoint string
	model    string
	timeout  time.Duration
	client   *http.Client
}

// NewHTTP returns a client for the server at rawURL. A URL without a path
// gets TranscriptionPath; a URL with a path is used as it is. timeout bounds
// each recognition; zero means DefaultTimeout.
func NewHTTP(rawURL, model string, timeout time.Duration) (*HTTP, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("asr: MINYI_ASR_URL %q is not an http(s) URL", rawURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = TranscriptionPath
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if model == "" {
		model = DefaultModel
	}
	// No proxy: a recording must go to the configured server and nowhere else.
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	return &HTTP{endpoint: u.String(), model: model, timeout: timeout,
		client: &http.Client{Transport: tr, Timeout: timeout}}, nil
}

// Endpoint returns the URL requests go to.
func (h *HTTP) Endpoint() string { return h.endpoint }

// Recognize sends the recording and returns the text of the reply. A
// time-out, a refused connection, a non-2xx status and a reply that is not
// the expected JSON all return an error matching ErrUnavailable; errors never
// quote the reply, which may hold the citizen's words.
func (h *HTTP) Recognize(ctx context.Context, wav []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "voice.wav")
	if err != nil {
		return "", fmt.Errorf("asr: build request: %w", err)
	}
	_, _ = fw.Write(wav)
	for _, f := range [][2]string{{"model", h.model}, {"language", "zh"}, {"response_format", "json"}} {
		_ = mw.WriteField(f[0], f[1])
	}
	if err := mw.Close(); err != nil {
		return "", fmt.Errorf("asr: build request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.endpoint, &body)
	if err != nil {
		return "", fmt.Errorf("asr: build request: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return "", fmt.Errorf("%w: no reply within %s", ErrUnavailable, h.timeout)
		}
		return "", fmt.Errorf("%w: %v", ErrUnavailable, redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReply))
		return "", fmt.Errorf("%w: server answered %s", ErrUnavailable, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return "", fmt.Errorf("%w: read reply: %v", ErrUnavailable, err)
	}
	if len(raw) > maxReply {
		return "", fmt.Errorf("%w: reply larger than %d bytes", ErrUnavailable, maxReply)
	}
	var reply struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil || reply.Text == nil {
		return "", fmt.Errorf("%w: reply is not JSON with a text field", ErrUnavailable)
	}
	text := strings.TrimSpace(*reply.Text)
	if text == "" {
		return "", ErrNoSpeech
	}
	return text, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// redactURL drops the URL from a client error, which may carry credentials
// in its user part; the operator knows the configured URL.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
