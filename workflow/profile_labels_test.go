package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyi/dispatch"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// foreignTagger predicts labels of another deployment (建言, 城乡建设) for
// texts that contain "外地", the profile's own labels for other texts, and
// nothing for an empty text.
type foreignTagger struct{}

func (foreignTagger) Predict(_ context.Context, head, text string) (dispatch.Prediction, bool) {
	if strings.TrimSpace(text) == "" {
		return dispatch.Prediction{}, false
	}
	foreign := strings.Contains(text, "外地")
	switch {
	case head == "kind" && foreign:
		return dispatch.Prediction{Label: "建言", Confidence: 0.9, Source: "model:kind:v1"}, true
	case head == "kind":
		return dispatch.Prediction{Label: "投诉", Confidence: 0.9, Source: "model:kind:v1"}, true
	case foreign:
		return dispatch.Prediction{Label: "城乡建设", Confidence: 0.95, Source: "model:tag:v1"}, true
	}
	return dispatch.Prediction{Label: "噪声扰民", Confidence: 0.95, Source: "model:tag:v1"}, true
}

// checkNoForeignLabels checks that ticket id got neither foreign label, in
// the ticket or in ticket_tags, that its kind is wantKind, and that its
// triage reason names the ignored tag.
func checkNoForeignLabels(t *testing.T, e *env, svc *workflow.Service, id int64, wantKind string) {
	t.Helper()
	ctx := context.Background()
	d, err := svc.Get(ctx, e.actor(t, "centre1"), id, "test")
	if err != nil {
		t.Fatal(err)
	}
	tk := d.Ticket
	if tk.Kind != wantKind {
		t.Errorf("kind = %q, want %q", tk.Kind, wantKind)
	}
	if tk.Tag != "" {
		t.Errorf("tag = %q, want none", tk.Tag)
	}
	if tk.State != ticket.Triage {
		t.Errorf("state = %s, want triage", tk.State)
	}
	if !strings.Contains(tk.TriageReason, "城乡建设") || !strings.Contains(tk.TriageReason, "not a tag of the profile") {
		t.Errorf("triage reason = %q, want one naming the ignored tag", tk.TriageReason)
	}
	var rows int
	if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_tags WHERE ticket_id = ? AND tag IN ('建言', '城乡建设')`,
		id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("%d ticket_tags rows with a label outside the profile, want 0", rows)
	}
}

func TestModelLabelsOutsideProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot,
			Tagger: foreignTagger{}, Now: func() time.Time { return e.now }})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("submit", func(t *testing.T) {
			tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "web", Body: "外地的道路施工扰民"})
			if err != nil {
				t.Fatal(err)
			}
			checkNoForeignLabels(t, e, svc, tk.ID, "")
		})

		t.Run("import", func(t *testing.T) {
			results, err := svc.SubmitBatch(ctx, []workflow.Submission{
				{Channel: "12345", ExternalID: "row-1", Body: "外地的路灯一直不亮"},
				{Channel: "12345", ExternalID: "row-2", Body: "楼下夜里很吵"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if results[0].Err != nil || results[1].Err != nil {
				t.Fatalf("batch errors: %v, %v", results[0].Err, results[1].Err)
			}
			checkNoForeignLabels(t, e, svc, results[0].Ticket.ID, "")
			// Labels of the profile are still applied.
			if got := results[1].Ticket; got.Kind != "投诉" || got.Tag != "噪声扰民" {
				t.Errorf("profile labels: kind %q, tag %q; want 投诉, 噪声扰民", got.Kind, got.Tag)
			}
		})

		t.Run("transcribe", func(t *testing.T) {
			key := "00000000000000000000000000000021"
			if err := svc.StageVoice(ctx, key, testRecording(), time.Second, false); err != nil {
				t.Fatal(err)
			}
			form := voiceForm(key, "")
			form.Submission.Kind = "" // so that the kind comes from the model at transcription
			tk, _, err := svc.SubmitVoiceForm(ctx, form)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Transcribe(ctx, e.actor(t, "centre1"), tk.ID, "外地的工地夜间施工"); err != nil {
				t.Fatal(err)
			}
			checkNoForeignLabels(t, e, svc, tk.ID, "")
		})
	})
}
