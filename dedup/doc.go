// Package dedup finds near-duplicate items: a new item whose text is close to
// an open one, taking the place, a time window and the caller's blind index
// into account. An Index holds the open items in memory with MinHash
// signatures and locality-sensitive hashing, so a check looks at a few
// candidates rather than every open item. The candidates are then scored by
// exact shingle overlap. Suggestions are stored beside the tickets so the
// centre can merge with one click.
package dedup
