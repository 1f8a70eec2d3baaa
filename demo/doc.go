// Package demo generates the demo city's citizen items: labelled training
// texts for the "tag" and "kind" heads, and submissions spread over a period
// with a bureau's daily rhythm and channel mix.
//
// Everything is generated from templates and a seeded random source, so the
// same profile, count, seed and period give the same output. Nothing here is
// real: names come from common surname and given-name characters, phone
// numbers from a fixed test prefix (see FakePhone), and no text carries an
// identity-card number.
//
// The templates for training texts and for submissions are separate sets
// over a shared vocabulary, so a model trained on TrainingExamples meets
// submissions it has not seen word for word.
package demo
