package privacy

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// residueRE finds what still looks like a mobile or ID number after masking,
// glued to anything. Matches are counted and shown only as shapes.
var residueRE = regexp.MustCompile(`1[3-9]\d{9}|\d{17}[\dXx]`)

// TestMaskRealData masks every text field of the real message files in the
// directory named by MINYI_DATA. It prints counts and digit shapes only, never
// the text, because the files contain personal data.
func TestMaskRealData(t *testing.T) {
	dir := os.Getenv("MINYI_DATA")
	if dir == "" {
		t.Skip("MINYI_DATA is not set; real-data masking test skipped")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .jsonl files in %s: %v", dir, err)
	}

	kinds := map[Kind]int{}
	residues := map[string]int{}
	texts, bytes := 0, 0
	var elapsed time.Duration
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var row map[string]any
			if json.Unmarshal(sc.Bytes(), &row) != nil {
				continue
			}
			for _, field := range []string{"title", "body", "reply"} {
				text, _ := row[field].(string)
				if text == "" {
					continue
				}
				start := time.Now()
				masked, found := Mask(text)
				elapsed += time.Since(start)
				texts++
				bytes += len(text)
				checkFindings(t, text, masked, found)
				for _, fd := range found {
					kinds[fd.Kind]++
				}
				for _, m := range residueRE.FindAllStringIndex(norm.NFKC.String(masked), -1) {
					residues[shapeAround(norm.NFKC.String(masked), m[0], m[1])]++
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}

	t.Logf("%d texts, %.1f MB, masked in %v (%.1f MB/s)", texts, float64(bytes)/1e6, elapsed,
		float64(bytes)/1e6/elapsed.Seconds())
	t.Logf("findings by kind: %v", kinds)
	var shapes []string
	for s := range residues {
		shapes = append(shapes, s)
	}
	sort.Slice(shapes, func(i, j int) bool { return residues[shapes[i]] > residues[shapes[j]] })
	for i, s := range shapes {
		if i == 20 {
			break
		}
		t.Logf("residue %4d× %s", residues[s], s)
	}
}

// shapeAround returns the match and a few characters either side with every
// digit shown as 9, every Han character as 字 and every letter as a, so
// the shape shows without the data.
func shapeAround(s string, a, b int) string {
	lo := max(0, a-9)
	hi := min(len(s), b+9)
	var out strings.Builder
	for _, r := range strings.ToValidUTF8(s[lo:hi], "") {
		switch {
		case r >= '0' && r <= '9':
			out.WriteByte('9')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			out.WriteByte('a')
		case r >= 0x4E00 && r <= 0x9FFF:
			out.WriteRune('字')
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}
