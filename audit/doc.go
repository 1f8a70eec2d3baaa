// Package audit keeps the access log: who read, listed, exported, contacted or
// changed what, when and why, and every sign-in, sign-out and denied request.
//
// A record is written in the caller's transaction by (*Log).Append, so an
// access and its record commit or fail together. Records are the leaves of an
// append-only Merkle tree with RFC 6962 hashing (golang.org/x/mod/sumdb/tlog),
// whose stored hashes live in the database. A Checkpointer signs the tree's
// size and root hash with an Ed25519 key kept outside the database, and
// appends the signed note to a checkpoint file outside the database. Verify
// then checks an export (records.jsonl and checkpoints.txt) offline with
// nothing but the verifier key.
//
// Records hold identifiers, actions and counts, never ticket text. Purpose and
// Filter are free text that the caller writes, and the caller must mask phone
// and ID numbers in a user's input before it records them.
package audit
