package workflow

import (
	"encoding/json"
	"math"

	"minyi/dispatch"
	"minyi/ticket"
)

// DetailExplainFeatures is the event detail in which the system's dispatch or
// triage event records, as a JSON array of dispatch.Feature, the text
// features that weighed most for the model's tag.
const DetailExplainFeatures = "explain_features"

// explainFeaturesDetails returns the event details that record why the model
// chose the decision's tag, or nil when a rule set the tag or no model ran.
func explainFeaturesDetails(pred dispatch.Prediction, d dispatch.Decision) map[string]string {
	if pred.Source == "" || d.TagSource != pred.Source || d.Tag != pred.Label || len(pred.Explain) == 0 {
		return nil
	}
	feats := make([]dispatch.Feature, len(pred.Explain))
	for i, f := range pred.Explain {
		feats[i] = dispatch.Feature{Text: f.Text, Weight: math.Round(f.Weight*1000) / 1000}
	}
	b, err := json.Marshal(feats)
	if err != nil {
		return nil
	}
	return map[string]string{DetailExplainFeatures: string(b)}
}

// TagExplanation returns the features that weighed most for the ticket's
// current tag, strongest first, from the latest event in events that
// recorded them for that tag's source. It returns nil when the tag did not
// come from a model, for example after staff corrected it.
func TagExplanation(t *ticket.Ticket, events []ticket.Event) []dispatch.Feature {
	for i := len(events) - 1; i >= 0; i-- {
		raw, ok := events[i].Details[DetailExplainFeatures]
		if !ok {
			continue
		}
		if events[i].Details["tag_source"] != t.TagSource {
			return nil
		}
		var feats []dispatch.Feature
		if json.Unmarshal([]byte(raw), &feats) != nil {
			return nil
		}
		return feats
	}
	return nil
}
