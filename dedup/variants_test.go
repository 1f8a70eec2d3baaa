package dedup

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"minyi/demo"
	"minyi/profile"
)

// synonyms are the word swaps of a paraphrase: what a second citizen writing
// about the same thing, or the same citizen writing again, tends to change.
var synonyms = [][2]string{
	{"希望", "恳请"}, {"非常", "十分"}, {"严重", "厉害"}, {"问题", "情况"}, {"附近", "周边"},
	{"现在", "目前"}, {"没有", "未"}, {"一直", "始终"}, {"已经", "早已"}, {"晚上", "夜里"},
	{"反映", "反应"}, {"我们", "大家"}, {"请", "麻烦"}, {"经常", "常常"}, {"很多", "不少"},
	{"解决", "处理"}, {"相关部门", "有关部门"}, {"马上", "尽快"}, {"影响", "干扰"}, {"居民", "住户"},
}

// variant returns a copy of text changed the way duplicates differ: words
// swapped for synonyms, sentences reordered, the end cut off, or several of
// these at once.
func variant(rng *rand.Rand, text string) string {
	out := text
	ops := rng.IntN(7) + 1 // a non-empty subset of {paraphrase, reorder, truncate}
	if ops&1 != 0 {
		for _, s := range synonyms {
			if rng.IntN(2) == 0 {
				out = strings.ReplaceAll(out, s[0], s[1])
			}
		}
		out = "您好，" + out
	}
	if ops&2 != 0 {
		parts := splitSentences(out)
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		out = strings.Join(parts, "")
	}
	if ops&4 != 0 {
		rs := []rune(out)
		keep := len(rs) * (60 + rng.IntN(31)) / 100 // keep 60–90 %
		out = string(rs[:keep])
	}
	return out
}

func splitSentences(text string) []string {
	var parts []string
	start := 0
	rs := []rune(text)
	for i, r := range rs {
		if strings.ContainsRune("。！？；!?;", r) {
			parts = append(parts, string(rs[start:i+1]))
			start = i + 1
		}
	}
	if start < len(rs) {
		parts = append(parts, string(rs[start:]))
	}
	return parts
}

// corpus returns distinct message texts: from the real data when MINYI_DATA
// names its directory, else generated demo items. Messages whose shingle
// Jaccard with an earlier kept one reaches 0.3 are left out, so that the
// originals are different messages and every duplicate in the set is one
// the test made.
func corpus(t testing.TB, n int) (texts []string, source string) {
	t.Helper()
	var raw []string
	if dir := os.Getenv("MINYI_DATA"); dir != "" {
		raw, source = readMessages(t, filepath.Join(dir, "teddy-hot-issues.jsonl")), "teddy-hot-issues.jsonl"
	} else {
		p, err := profile.Load("police")
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, it := range demo.Items(p, 10*n, 7, from, from.AddDate(0, 3, 0)) {
			raw = append(raw, it.Submission.Title+"\n"+it.Submission.Body)
		}
		source = "demo.Items"
	}
	var kept [][]uint32
	for _, text := range raw {
		sh := Shingles(text)
		if len(sh) < 12 {
			continue
		}
		if slices.ContainsFunc(kept, func(k []uint32) bool { j, _ := Similarity(sh, k); return j >= 0.3 }) {
			continue
		}
		kept = append(kept, sh)
		texts = append(texts, text)
		if len(texts) == n {
			break
		}
	}
	return texts, source
}

func readMessages(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open real data: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var m struct{ Title, Body string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("read real data: %v", err)
		}
		out = append(out, m.Title+"\n"+m.Body)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read real data: %v", err)
	}
	return out
}

// TestPrecisionRecall indexes originals, then checks one variant of each
// original and as many unseen originals. A variant is right when its best
// match is its original; any match for an unseen original is wrong.
func TestPrecisionRecall(t *testing.T) {
	texts, source := corpus(t, 1200)
	if len(texts) < 300 {
		t.Fatalf("only %d distinct messages from %s", len(texts), source)
	}
	half := len(texts) / 2
	rng := rand.New(rand.NewPCG(11, 12))
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	x := NewIndex(Options{})
	for i, text := range texts[:half] {
		x.Add(Doc{ID: int64(i + 1), Text: text, At: at.Add(time.Duration(i) * time.Minute)})
	}
	var truePos, falsePos, falseNeg int
	for i, text := range texts[:half] {
		ms := x.Check(Doc{ID: -1, Text: variant(rng, text), At: at.Add(time.Duration(i)*time.Minute + time.Hour)})
		switch {
		case len(ms) == 0:
			falseNeg++
		case ms[0].ID == int64(i+1):
			truePos++
		default:
			falsePos++
			falseNeg++
		}
	}
	for i, text := range texts[half:] {
		if ms := x.Check(Doc{ID: -1, Text: text, At: at.Add(time.Duration(i) * time.Minute)}); len(ms) > 0 {
			falsePos++
		}
	}
	precision := float64(truePos) / float64(truePos+falsePos)
	recall := float64(truePos) / float64(truePos+falseNeg)
	t.Logf("%s: %d originals, %d variants, %d unseen: precision %.3f, recall %.3f",
		source, half, half, len(texts)-half, precision, recall)
	if precision < 0.95 {
		t.Errorf("precision %.3f is below 0.95", precision)
	}
	if recall < 0.95 {
		t.Errorf("recall %.3f is below 0.95", recall)
	}
}
