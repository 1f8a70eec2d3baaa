package workflow

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"minyi/dispatch"
)

// loggedOutsideLabels holds the model sources and labels already logged by
// predictInProfile, so an import does not log the same label once per row.
var loggedOutsideLabels sync.Map

// predictInProfile returns the tagger's prediction for head ("kind" or "tag")
// when the profile allows its label: one of the profile's kinds for "kind",
// a tag of its tag tree for "tag". A model trained on other labels can
// predict anything, and every other path rejects a kind or tag outside the
// profile, so such a prediction returns ok false and a reason for staff, and
// is logged. ok is also false without a tagger or a model for head.
func (s *Service) predictInProfile(ctx context.Context, head, text string) (p dispatch.Prediction, ok bool, rejected string) {
	if s.opts.Tagger == nil {
		return p, false, ""
	}
	p, ok = s.opts.Tagger.Predict(ctx, head, text)
	if !ok {
		return p, false, ""
	}
	allowed := true
	switch head {
	case "kind":
		allowed = slices.Contains(s.prof.Kinds, p.Label)
	case "tag":
		_, allowed = s.prof.Tag(p.Label)
	}
	if allowed {
		return p, true, ""
	}
	if _, seen := loggedOutsideLabels.LoadOrStore(p.Source+"\x00"+p.Label, true); !seen {
		s.log.WarnContext(ctx, "model label outside the profile ignored; logged once per model version and label",
			"head", head, "label", p.Label, "source", p.Source)
	}
	return dispatch.Prediction{}, false, fmt.Sprintf(
		"模型 %[1]s 给出的“%[2]s”不是本配置的%[3]s，已忽略（model %[1]s predicted %[2]q, which is not a %[4]s of the profile, so it was ignored）",
		p.Source, p.Label, map[string]string{"kind": "类型", "tag": "标签"}[head], head)
}

// noteRejectedLabels records in d why a prediction was ignored: as a step,
// and as the triage reason when d sends the item to triage without a tag.
func noteRejectedLabels(d *dispatch.Decision, kindRejected, tagRejected string) {
	for _, why := range []string{kindRejected, tagRejected} {
		if why != "" {
			d.Steps = append(d.Steps, why)
		}
	}
	if tagRejected != "" && d.Triage && d.Tag == "" {
		d.Reason = tagRejected
	}
}
