package workflow_test

import (
	"context"
	"testing"
	"time"

	"minyi/classify"
	"minyi/dispatch"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// explainingTagger is keywordTagger with the features a model would explain
// its tag with.
type explainingTagger struct{ keywordTagger }

func (e explainingTagger) Predict(ctx context.Context, head, text string) (dispatch.Prediction, bool) {
	p, ok := e.keywordTagger.Predict(ctx, head, text)
	if ok {
		p.Explain = []dispatch.Feature{{Text: "拥堵", Weight: 0.41234}, {Text: "路口", Weight: 0.2}}
	}
	return p, ok
}

func TestTagExplanationAndCorrection(t *testing.T) {
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
			name  string
			sub   workflow.Submission
			state ticket.State
		}{
			{"dispatched", workflow.Submission{Channel: "qr", Title: "路口拥堵", Body: "早高峰路口拥堵严重", CodeUnit: "tb-qinghe"}, ticket.Dispatched},
			{"triaged", workflow.Submission{Channel: "12345", Body: "小区门口天天有人吵闹"}, ticket.Triage},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tk, _, err := svc.Submit(ctx, tc.sub)
				if err != nil {
					t.Fatal(err)
				}
				if tk.State != tc.state {
					t.Fatalf("state %s, want %s", tk.State, tc.state)
				}
				d, err := svc.Get(ctx, centre, tk.ID, "test")
				if err != nil {
					t.Fatal(err)
				}
				got := workflow.TagExplanation(d.Ticket, d.Events)
				if len(got) != 2 || got[0] != (dispatch.Feature{Text: "拥堵", Weight: 0.412}) {
					t.Fatalf("explanation = %v, want 拥堵 (0.412) first of two", got)
				}

				// After staff correct the tag, the model's reasons no longer explain it,
				// and the ticket becomes a labelled example for the next model.
				if _, err := svc.Retag(ctx, centre, tk.ID, "噪声扰民"); err != nil {
					t.Fatal(err)
				}
				d, err = svc.Get(ctx, centre, tk.ID, "test")
				if err != nil {
					t.Fatal(err)
				}
				if got := workflow.TagExplanation(d.Ticket, d.Events); got != nil {
					t.Errorf("explanation after retag = %v, want none", got)
				}
				corrections, err := classify.Corrections(ctx, db, "tag")
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, ex := range corrections {
					found = found || ex.Label == "噪声扰民" && ex.Text == joinedText(d.Ticket)
				}
				if !found {
					t.Errorf("corrections %v lack the retagged ticket", corrections)
				}
			})
		}
	})
}

func joinedText(t *ticket.Ticket) string {
	switch {
	case t.Title == "":
		return t.Body
	case t.Body == "":
		return t.Title
	}
	return t.Title + "\n" + t.Body
}

func TestRuleTagHasNoExplanation(t *testing.T) {
	tk := &ticket.Ticket{TagSource: "rule:信号灯配时"}
	events := []ticket.Event{{Details: map[string]string{"tag_source": "model:tag:v1",
		workflow.DetailExplainFeatures: `[{"text":"灯","weight":1}]`}}}
	if got := workflow.TagExplanation(tk, events); got != nil {
		t.Errorf("explanation of a rule's tag = %v, want none", got)
	}
	tk.TagSource = "model:tag:v1"
	if got := workflow.TagExplanation(tk, events); len(got) != 1 || got[0].Text != "灯" {
		t.Errorf("explanation = %v, want 灯", got)
	}
}
