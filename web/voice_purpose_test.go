package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/asr"
	"minyi/audit"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func TestVoicePurposeFixedList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuditEnv(t, db, "centre1")
		ctx := context.Background()
		key := "0123456789abcdef0123456789abcdef"
		wav := asr.EncodeWAV(speechLike(2*time.Second, 16000), 16000, 1)
		if err := e.svc.StageVoice(ctx, key, wav, 2*time.Second, false); err != nil {
			t.Fatal(err)
		}
		tk, _, err := e.svc.SubmitVoiceForm(ctx, workflow.Form{Key: key, BodyHash: "h",
			Submission: workflow.Submission{Channel: "web", Kind: "投诉"}})
		if err != nil {
			t.Fatal(err)
		}
		centre := e.browser(t)
		centre.signIn("centre1")
		path := fmt.Sprintf("/api/tickets/%d/voice", tk.ID)

		for _, purpose := range []string{"", "listen", "transcribe"} {
			r := centre.get(path + "?purpose=" + url.QueryEscape(purpose))
			if r.status != http.StatusOK {
				t.Errorf("purpose %q: status %d, want 200", purpose, r.status)
			}
		}
		rejected := []string{
			"<b>x</b>", "=HYPERLINK(\"http://127.0.0.1/\")", strings.Repeat("a", 5000), "张三丰", "Listen", " listen",
		}
		for _, purpose := range rejected {
			r := centre.get(path + "?purpose=" + url.QueryEscape(purpose))
			if r.status != http.StatusBadRequest {
				t.Errorf("purpose %.20q: status %d, want 400", purpose, r.status)
			}
			if !strings.Contains(r.body, "listen, transcribe") {
				t.Errorf("purpose %.20q: message does not list the allowed values: %.300s", purpose, r.body)
			}
		}

		recs, err := audit.Query(ctx, db, audit.Filter{TicketID: tk.ID, Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		var purposes []string
		for _, rec := range recs {
			if rec.Action == audit.ActionTicketRead && len(rec.Fields) == 1 && rec.Fields[0] == "voice" {
				purposes = append(purposes, rec.Purpose)
			}
		}
		if got := strings.Join(purposes, ","); got != "transcribe,listen,listen" {
			t.Errorf("recorded purposes, newest first: %q, want %q", got, "transcribe,listen,listen")
		}
	})
}
