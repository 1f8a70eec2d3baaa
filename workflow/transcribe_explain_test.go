package workflow_test

import (
	"context"
	"testing"
	"time"

	"minyi/dispatch"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// A transcribed voice item keeps the features that weighed most for the
// model's tag, whether the router dispatches it or leaves it in triage.
func TestTranscribeRecordsExplanation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot,
			Tagger: explainingTagger{testTagger}, Now: func() time.Time { return e.now }})
		if err != nil {
			t.Fatal(err)
		}
		centre := e.actor(t, "centre1")
		cases := []struct {
			name, key, text string
			state           ticket.State
			eventAction     ticket.Action // the event that records the features
		}{
			{"dispatched", "00000000000000000000000000000011", "早高峰路口拥堵严重", ticket.Dispatched, ticket.ActDispatch},
			{"left in triage", "00000000000000000000000000000012", "幸福路夜间噪音", ticket.Triage, workflow.ActTranscribe},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := svc.StageVoice(ctx, c.key, testRecording(), time.Second, false); err != nil {
					t.Fatal(err)
				}
				f := voiceForm(c.key, "")
				f.Submission.Channel = "qr"
				tk, _, err := svc.SubmitVoiceForm(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				got, err := svc.Transcribe(ctx, centre, tk.ID, c.text)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != c.state {
					t.Fatalf("state %s, want %s", got.State, c.state)
				}
				d, err := svc.Get(ctx, centre, tk.ID, "test")
				if err != nil {
					t.Fatal(err)
				}
				feats := workflow.TagExplanation(d.Ticket, d.Events)
				if len(feats) != 2 || feats[0] != (dispatch.Feature{Text: "拥堵", Weight: 0.412}) {
					t.Errorf("explanation = %v, want 拥堵 (0.412) first of two", feats)
				}
				var recordedBy []ticket.Action
				for _, ev := range d.Events {
					if _, ok := ev.Details[workflow.DetailExplainFeatures]; ok {
						recordedBy = append(recordedBy, ev.Action)
					}
				}
				if len(recordedBy) != 1 || recordedBy[0] != c.eventAction {
					t.Errorf("features recorded by %v, want only %s", recordedBy, c.eventAction)
				}
			})
		}
	})
}
