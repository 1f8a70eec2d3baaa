package web_test

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyi/asr"
	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// voiceBrowser starts headless Chromium at a phone's viewport with extra
// command-line switches, or skips the test when Chromium is absent, unless
// MINYI_TEST_REQUIRE_BROWSER is set.
func voiceBrowser(t *testing.T, switches ...string) context.Context {
	t.Helper()
	if _, err := os.Stat(citizenChromium); err != nil {
		if os.Getenv("MINYI_TEST_REQUIRE_BROWSER") != "" {
			t.Fatalf("MINYI_TEST_REQUIRE_BROWSER is set but %s is missing: apt-get install chromium fonts-noto-cjk", citizenChromium)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium fonts-noto-cjk)", citizenChromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(citizenChromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844))
	for _, s := range switches {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(s, "--"), "=")
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch,
		chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// voiceShots returns the folder for screenshots: $MINYI_ARTIFACTS/voice when
// set, else a temporary folder.
func voiceShots(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("MINYI_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "voice", strings.ReplaceAll(t.Name(), "/", "-"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mandarinWAV synthesizes text with espeak-ng's Mandarin voice into a WAV
// file for Chromium's fake microphone and returns its path and length.
func mandarinWAV(t *testing.T, text string) (string, time.Duration) {
	t.Helper()
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		if os.Getenv("MINYI_TEST_REQUIRE_BROWSER") != "" {
			t.Fatal("MINYI_TEST_REQUIRE_BROWSER is set but espeak-ng is missing: apt-get install espeak-ng")
		}
		t.Skip("voice browser test skipped: espeak-ng not found (apt-get install espeak-ng)")
	}
	path := filepath.Join(t.TempDir(), "speech.wav")
	if out, err := exec.Command(espeak, "-v", "cmn", "-s", "150", "-w", path, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := asr.ParseWAV(b)
	if err != nil {
		t.Fatalf("espeak-ng output: %v", err)
	}
	return path, w.Duration()
}

// rms returns the root mean square of 16-bit samples, from 0 to 32768.
func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(max(len(s), 1)))
}

// waitJS polls a JavaScript predicate for up to 30 seconds.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("voice-state")||{}).textContent||""`))
		t.Fatalf("%s: %v (voice state %q)", what, err, state)
	}
}

func valueOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// recordSpeech taps the voice button, lets the fake microphone play the
// speech, and taps again.
func recordSpeech(t *testing.T, ctx context.Context, shots, shot string, speech time.Duration) {
	t.Helper()
	step(t, ctx, "start recording", chromedp.WaitVisible(chromedp.CSS("#voice-button")),
		chromedp.Click(chromedp.CSS("#voice-button")))
	waitJS(t, ctx, "recording state shown", `document.getElementById("voice").classList.contains("recording") &&
		document.getElementById("voice-state").textContent.indexOf("正在录音") >= 0`)
	shoot(t, ctx, shots, shot)
	time.Sleep(speech + 800*time.Millisecond)
	step(t, ctx, "stop recording", chromedp.Click(chromedp.CSS("#voice-button")))
}

func TestBrowserVoiceSubmission(t *testing.T) {
	const spoken = "小区门口的路灯坏了，晚上很黑。"
	const transcript = "小区门口的路灯坏了，晚上很黑。"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		speechFile, speech := mandarinWAV(t, spoken)
		ctx := voiceBrowser(t, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
			"--use-file-for-fake-audio-capture="+speechFile)
		shots := voiceShots(t)
		e := newVoiceEnv(t, db, transcript)
		bg := context.Background()
		centre, err := org.AccountByName(bg, db, "centre1")
		if err != nil {
			t.Fatal(err)
		}

		// With the recogniser running: the words appear in the text box.
		step(t, ctx, "open the form", chromedp.Navigate(e.srv.URL+"/form?kind=help"),
			chromedp.WaitVisible(chromedp.CSS("#voice-button")))
		shoot(t, ctx, shots, "01-form")
		recordSpeech(t, ctx, shots, "02-recording", speech)
		waitJS(t, ctx, "transcript shown", `document.getElementById("body").value !== ""`)
		shoot(t, ctx, shots, "03-transcript")
		if got := valueOf(t, ctx, "#body"); got != transcript {
			t.Fatalf("text box holds %q, want the transcript %q", got, transcript)
		}
		if s := text(t, ctx, "#voice-state"); !strings.Contains(s, "请核对") {
			t.Fatalf("voice state %q does not ask to check the words", s)
		}
		heard := e.rec.last(t)
		w, err := asr.ValidateWAV(heard)
		if err != nil {
			t.Fatalf("the recogniser received an invalid recording: %v", err)
		}
		if d := w.Duration(); d < speech*6/10 || d > speech+5*time.Second {
			t.Fatalf("recording of %s for %s of speech", d, speech)
		}
		if level := rms(w.Samples()); level < 100 {
			t.Fatalf("recording is nearly silent: RMS %.0f", level)
		}
		t.Logf("speech %s, recorded %s at %d Hz, RMS %.0f, %d bytes", speech, w.Duration(), w.SampleRate, rms(w.Samples()), len(heard))

		step(t, ctx, "send", chromedp.SendKeys(chromedp.CSS("#phone"), fakePhone()),
			chromedp.Click(chromedp.CSS(`input[name=consent]`)), chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
		shoot(t, ctx, shots, "04-receipt")
		d, err := e.svc.ByTrackingCode(bg, strings.TrimSpace(text(t, ctx, "#tracking-code")))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Body != transcript || d.Ticket.Kind != "求助" {
			t.Fatalf("ticket body %q kind %q", d.Ticket.Body, d.Ticket.Kind)
		}
		if need, _ := e.svc.NeedsTranscription(bg, d.Ticket.ID); need {
			t.Fatal("a ticket with recognised text is marked as needing transcription")
		}
		var sealed []byte
		if err := db.QueryRowContext(bg, `SELECT ciphertext FROM voice_recordings WHERE ticket_id = ?`, d.Ticket.ID).
			Scan(&sealed); err != nil {
			t.Fatalf("stored recording: %v", err)
		}
		if bytes.Contains(sealed, []byte("RIFF")) || bytes.Contains(sealed, w.Data[len(w.Data)/2:len(w.Data)/2+256]) {
			t.Fatal("the stored recording is not encrypted")
		}
		stored, err := e.svc.VoiceRecording(bg, centre.Actor(), d.Ticket.ID, "test")
		if err != nil || !bytes.Equal(stored, heard) {
			t.Fatalf("decrypted recording (%d bytes, %v) differs from what the recogniser heard (%d bytes)",
				len(stored), err, len(heard))
		}

		// With the recogniser stopped: the recording is kept and the ticket
		// waits for staff to transcribe it.
		e.rec.srv.Close()
		step(t, ctx, "open a new form", chromedp.Navigate(e.srv.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS("#voice-button")))
		recordSpeech(t, ctx, shots, "05-recording-again", speech)
		waitJS(t, ctx, "recording kept", `!document.getElementById("voice-kept").hidden &&
			document.getElementById("voice-state").textContent.indexOf("工作人员会听取") >= 0`)
		shoot(t, ctx, shots, "06-kept-without-text")
		if got := valueOf(t, ctx, "#body"); got != "" {
			t.Fatalf("text box holds %q without a recogniser", got)
		}
		step(t, ctx, "send the recording alone", chromedp.SendKeys(chromedp.CSS("#phone"), fakePhone()),
			chromedp.Click(chromedp.CSS(`input[name=consent]`)), chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
		shoot(t, ctx, shots, "07-receipt-voice-only")
		d, err = e.svc.ByTrackingCode(bg, strings.TrimSpace(text(t, ctx, "#tracking-code")))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.State != ticket.Triage || d.Ticket.TriageReason != workflow.NeedsTranscriptionReason {
			t.Fatalf("voice-only ticket: state %s, reason %q", d.Ticket.State, d.Ticket.TriageReason)
		}
		if need, _ := e.svc.NeedsTranscription(bg, d.Ticket.ID); !need {
			t.Fatal("voice-only ticket is not marked as needing transcription")
		}
		stored, err = e.svc.VoiceRecording(bg, centre.Actor(), d.Ticket.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if w, err := asr.ValidateWAV(stored); err != nil || rms(w.Samples()) < 100 {
			t.Fatalf("stored voice-only recording: %v", err)
		}
	})
}

// A refused microphone, or a page without HTTPS, is explained in plain words
// and the text form keeps working.
func TestBrowserVoiceRefusedMicrophone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newVoiceEnv(t, db, "")
		u, _ := url.Parse(e.srv.URL)
		_, port, _ := net.SplitHostPort(u.Host)
		cases := []struct {
			name     string
			switches []string
			base     string
			tap      bool
			want     string
		}{
			{"refused", []string{"--use-fake-device-for-media-stream", "--deny-permission-prompts"}, e.srv.URL, true,
				"您没有允许使用麦克风"},
			// minyi.test resolves to 127.0.0.1 inside this browser only; as a
			// plain-HTTP name that is not loopback, it is not a secure context.
			{"not https", []string{"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
				"--host-resolver-rules=MAP minyi.test 127.0.0.1"}, "http://minyi.test:" + port, false, "没有使用加密连接"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := voiceBrowser(t, c.switches...)
				shots := voiceShots(t)
				step(t, ctx, "open the form", chromedp.Navigate(c.base+"/form"), chromedp.WaitVisible(chromedp.CSS("#voice")))
				if c.tap {
					step(t, ctx, "tap the voice button", chromedp.WaitVisible(chromedp.CSS("#voice-button")),
						chromedp.Click(chromedp.CSS("#voice-button")))
				}
				waitJS(t, ctx, "plain-words message", `document.getElementById("voice-state").textContent.indexOf(`+
					voiceJSString(c.want)+`) >= 0 && document.getElementById("voice-button").hidden`)
				shoot(t, ctx, shots, "01-message")
				step(t, ctx, "type and send", chromedp.SendKeys(chromedp.CSS("#body"), "路口红绿灯坏了，车辆乱行。"),
					chromedp.Click(chromedp.CSS(`input[name=consent]`)), chromedp.Click(chromedp.CSS("#send")),
					chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
				shoot(t, ctx, shots, "02-receipt")
				d, err := e.svc.ByTrackingCode(context.Background(), strings.TrimSpace(text(t, ctx, "#tracking-code")))
				if err != nil || d.Ticket.Body != "路口红绿灯坏了，车辆乱行。" {
					t.Fatalf("typed ticket: %v %v", d, err)
				}
			})
		}
	})
}

func voiceJSString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
