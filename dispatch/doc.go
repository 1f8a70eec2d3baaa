// Package dispatch decides where an item goes: it applies the profile's keyword
// rules and tag rules to the model's prediction and the QR code the item came
// through, and returns either a responsible unit or a reason for triage.
package dispatch
