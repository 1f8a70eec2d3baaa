package dedup

import (
	"hash/fnv"
	"slices"
	"unicode"
)

// Normalize keeps letters and digits of text, folds full-width forms and
// upper case, and drops masking characters, punctuation and spaces, so that
// copies that differ only in those compare equal.
func Normalize(text string) []rune {
	out := make([]rune, 0, len(text)/3)
	for _, r := range text {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0 // full-width ASCII to ASCII
		}
		switch {
		case unicode.Is(unicode.Han, r), unicode.IsDigit(r):
			out = append(out, r)
		case unicode.IsLetter(r):
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// shingleSize is the length of the character n-grams compared. Three
// characters keep common two-character words from making unrelated Chinese
// texts look alike, while a synonym swap still leaves most trigrams intact.
const shingleSize = 3

// Shingles returns the sorted, distinct hashes of the character trigrams of
// the normalised text; a text shorter than three characters is one shingle.
func Shingles(text string) []uint32 {
	rs := Normalize(text)
	if len(rs) == 0 {
		return nil
	}
	n := shingleSize
	if len(rs) < n {
		n = len(rs)
	}
	out := make([]uint32, 0, len(rs)-n+1)
	h := fnv.New32a()
	buf := make([]byte, 0, 4*n)
	for i := 0; i+n <= len(rs); i++ {
		buf = buf[:0]
		for _, r := range rs[i : i+n] {
			buf = append(buf, byte(r), byte(r>>8), byte(r>>16))
		}
		h.Reset()
		_, _ = h.Write(buf)
		out = append(out, h.Sum32())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// overlap returns |a ∩ b| of two sorted sets.
func overlap(a, b []uint32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// Similarity returns the Jaccard index of two shingle sets and their
// containment, the overlap divided by the smaller set, which stays high when
// one text is a truncated copy of the other.
func Similarity(a, b []uint32) (jaccard, containment float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	n := overlap(a, b)
	return float64(n) / float64(len(a)+len(b)-n), float64(n) / float64(min(len(a), len(b)))
}

// numHashes is the MinHash signature length; bands × rows must equal it.
const (
	numHashes = 64
	bands     = 32
	rows      = 2
)

// hashSeeds are the odd multipliers of the universal hash family
// h_i(x) = (a_i·x + b_i) mod 2^64, taken from a fixed SplitMix64 sequence so
// signatures are stable across runs and processes.
var hashSeeds = func() (s [numHashes][2]uint64) {
	x := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 {
		x += 0x9E3779B97F4A7C15
		z := x
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	for i := range s {
		s[i] = [2]uint64{next() | 1, next()}
	}
	return s
}()

// signature returns the MinHash signature of a shingle set.
func signature(sh []uint32) [numHashes]uint32 {
	var sig [numHashes]uint32
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	for _, s := range sh {
		x := uint64(s)
		for i := range sig {
			v := uint32((hashSeeds[i][0]*x + hashSeeds[i][1]) >> 32)
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// bandKeys returns one bucket key per band of the signature.
func bandKeys(sig [numHashes]uint32) [bands]uint64 {
	var keys [bands]uint64
	for b := range keys {
		k := uint64(b) << 56
		for r := range rows {
			k = (k ^ uint64(sig[b*rows+r])) * 0x100000001B3
		}
		keys[b] = k
	}
	return keys
}
