package main

import (
	"os"

	"minyi/asr"
	"minyi/web"
)

// voiceOptions picks the speech recogniser from MINYI_ASR_* and logs whether
// voice recognition runs, and why not when it does not. A configuration
// error turns recognition off rather than stopping minyi: the citizen form
// still accepts recordings, and staff transcribe them.
func (a *app) voiceOptions() web.VoiceOptions {
	cfg, err := asr.ConfigFromEnv(os.Getenv)
	if err == nil {
		var r asr.Recognizer
		var st asr.Status
		if r, st, err = asr.Open(cfg); err == nil {
			st.Log(a.log)
			return web.VoiceOptions{Recognizer: r}
		}
	}
	a.log.Error("voice recognition is off: fix its configuration", "error", err)
	return web.VoiceOptions{}
}
