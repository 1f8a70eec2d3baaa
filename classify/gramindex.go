package classify

import "fmt"

// gramIndex maps n-grams to feature indexes through an open-addressing table
// of 64-bit n-gram hashes. Predict looks up every n-gram of a text, about
// 2,000 for 1,000 characters with the default 1–2-grams. A Go map keyed by
// string hashes and compares whole strings in a table too large for the
// cache, and those lookups took most of Predict's time.
//
// NOTE: lookups compare hashes, not strings. An n-gram that is not a
// feature finds one only if its 64-bit hash equals that feature's, which for
// a vocabulary of n features happens with probability about n/2^64 per
// lookup. Building the index moves on to the next seed when two features
// share a hash, so features never shadow each other.
type gramIndex struct {
	seed  uint64
	mask  uint64
	slots []gramSlot
}

// gramSlot keeps a hash beside its feature index, so that a lookup that
// finds its n-gram reads one cache line.
type gramSlot struct {
	hash    uint64 // 0 for an empty slot
	feature int32
}

// gramIndexSeeds bounds the seeds newGramIndex tries. Two distinct n-grams
// share a 64-bit hash so rarely that running out of seeds means a term is
// listed twice.
const gramIndexSeeds = 8

// newGramIndex builds the index of terms, feature i being terms[i]. It fails
// when a term is listed twice.
func newGramIndex(terms []string) (gramIndex, error) {
	size := uint64(16)
	for size < uint64(len(terms))*2 {
		size <<= 1
	}
	seed := uint64(0x9e3779b97f4a7c15)
	for range gramIndexSeeds {
		x := gramIndex{seed: seed, mask: size - 1, slots: make([]gramSlot, size)}
		dup, ok := x.fill(terms)
		if dup != "" {
			return gramIndex{}, fmt.Errorf("classify: n-gram %q is listed twice", dup)
		}
		if ok {
			return x, nil
		}
		seed += 0x9e3779b97f4a7c15
	}
	return gramIndex{}, fmt.Errorf("classify: %d n-grams collide under %d hash seeds", len(terms), gramIndexSeeds)
}

// fill inserts every term. It returns a term that is listed twice, or false
// when two distinct terms share a hash under this seed.
func (x *gramIndex) fill(terms []string) (dup string, ok bool) {
	for i, g := range terms {
		h := x.hash(g)
		slot := h & x.mask
		for x.slots[slot].hash != 0 {
			if x.slots[slot].hash == h {
				if terms[x.slots[slot].feature] == g {
					return g, false
				}
				return "", false
			}
			slot = (slot + 1) & x.mask
		}
		x.slots[slot] = gramSlot{hash: h, feature: int32(i)}
	}
	return "", true
}

// lookup returns the feature index of gram.
func (x *gramIndex) lookup(gram string) (int32, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	h := x.hash(gram)
	for slot := h & x.mask; ; slot = (slot + 1) & x.mask {
		switch x.slots[slot].hash {
		case h:
			return x.slots[slot].feature, true
		case 0:
			return 0, false
		}
	}
}

// hash is FNV-1a over the bytes of gram, seeded, followed by a 64-bit
// finaliser so that the low bits used for the slot depend on every byte. It
// never returns 0, which marks an empty slot.
func (x *gramIndex) hash(gram string) uint64 {
	h := x.seed ^ 0xcbf29ce484222325
	for i := 0; i < len(gram); i++ {
		h ^= uint64(gram[i])
		h *= 0x100000001b3
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	if h == 0 {
		h = 1
	}
	return h
}
