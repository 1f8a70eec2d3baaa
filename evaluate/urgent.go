package evaluate

import "minyi/classify"

// Urgent reports whether text reads like an emergency, and why, by calling
// classify.Urgent, which owns the emergency rules.
//
// Deprecated: call classify.Urgent.
func Urgent(text string) (bool, string) { return classify.Urgent(text) }
