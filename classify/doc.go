// Package classify tags Chinese citizen messages. It reads labelled examples,
// trains a model over character n-grams, and predicts a label with a
// confidence and the n-grams behind it. It evaluates a model on held-out
// examples and keeps every trained version in the models table, with one
// active version per head.
//
// A head names what a model predicts, such as "tag" for the business tag or
// "kind" for the message type. The running service tags through a Tagger,
// which keeps the active model of each head in memory and reloads it when
// another version becomes active.
package classify
