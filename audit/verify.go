package audit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyResult counts what Verify checked.
type VerifyResult struct {
	Records     int64 // lines in records.jsonl
	Full        int64 // records present in full, whose hashes were recomputed
	Outside     int64 // leaf hashes with a time: records outside the exported period
	Purged      int64 // leaf hashes without a time: records purged under the retention rule
	Checkpoints int   // checkpoints whose signature and root were checked
	SignedSize  int64 // tree size of the newest checkpoint
}

// VerifyDir verifies the export in dir (records.jsonl and checkpoints.txt)
// against the verifier key v. See Verify.
func VerifyDir(dir string, v note.Verifier) (VerifyResult, error) {
	cps, err := os.ReadFile(filepath.Join(dir, CheckpointsFile))
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, RecordsFile))
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer f.Close()
	return Verify(f, cps, v)
}

// Verify checks an export and trusts nothing in it but the data. Every
// checkpoint must carry a valid signature by v and name v's origin. The
// records, read in order, must be numbered 1, 2, 3 … without gaps and be in
// canonical form. The root recomputed from the records must equal the signed
// root of every checkpoint, and successive checkpoints must be consistent
// (proved with golang.org/x/mod/sumdb/tlog and checked again with
// github.com/transparency-dev/merkle). No record may follow the newest
// checkpoint, because nothing vouches for it. A record given as a leaf hash
// without a time is one the database no longer holds: it is accepted only if
// a checkpoint signed at least MinRetention before the newest checkpoint
// covers it (purgeHorizon), the rule Purge follows. A full record that states
// the leaf hash the database stored must match it. The error names the first
// failure. Memory grows with the number of records, about 64 bytes each.
func Verify(records io.Reader, checkpoints []byte, v note.Verifier) (VerifyResult, error) {
	var res VerifyResult
	cps, err := parseCheckpoints(checkpoints, v)
	if err != nil {
		return res, err
	}
	res.Checkpoints = len(cps)
	res.SignedSize = cps[len(cps)-1].Size
	plain := make([]Checkpoint, len(cps))
	for i, c := range cps {
		plain[i] = c.Checkpoint
	}
	horizon, newest := purgeHorizon(plain)

	t := &memTree{}
	next := 0 // index in cps of the next checkpoint to check
	var prev *fileCheckpoint
	checkDue := func() error {
		for next < len(cps) && cps[next].Size == t.size() {
			if err := t.checkCheckpoint(cps[next], prev); err != nil {
				return err
			}
			prev = &cps[next]
			next++
		}
		return nil
	}
	if err := checkDue(); err != nil { // checkpoints of size 0
		return res, err
	}
	sc := bufio.NewScanner(records)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		l, err := parseLine(sc.Bytes())
		if err != nil {
			return res, fmt.Errorf("%s line %d: %w", RecordsFile, line, err)
		}
		seq, leaf := l.seq, l.leaf
		if want := t.size() + 1; seq != want {
			return res, sequenceError(line, seq, want)
		}
		if seq > res.SignedSize {
			return res, fmt.Errorf("%s line %d: record %d follows the newest checkpoint (tree size %d), "+
				"so no signature covers it", RecordsFile, line, seq, res.SignedSize)
		}
		if l.kind == linePurged && seq > horizon {
			return res, missingError(line, seq, horizon, newest)
		}
		if err := t.append(leaf); err != nil {
			return res, fmt.Errorf("%s line %d: %w", RecordsFile, line, err)
		}
		res.Records++
		switch l.kind {
		case lineFull:
			res.Full++
		case lineOutside:
			res.Outside++
		case linePurged:
			res.Purged++
		}
		if err := checkDue(); err != nil {
			return res, err
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("%s line %d: %w", RecordsFile, line+1, err)
	}
	if next < len(cps) {
		c := cps[next]
		return res, fmt.Errorf("%s line %d: checkpoint signs tree size %d but %s ends at record %d: "+
			"records %d to %d are missing", CheckpointsFile, c.line, c.Size, RecordsFile, t.size(), t.size()+1, c.Size)
	}
	return res, nil
}

// missingError reports a record that the export gives as a leaf hash only,
// although retention does not allow it to be purged yet.
func missingError(line int, seq, horizon int64, newest time.Time) error {
	days := int(MinRetention.Hours() / 24)
	if newest.IsZero() {
		return fmt.Errorf("%s line %d: record %d is missing (leaf hash only), but no checkpoint states when "+
			"it was signed, so no record may have been purged: the record was deleted", RecordsFile, line, seq)
	}
	return fmt.Errorf("%s line %d: record %d is missing (leaf hash only), but only records up to %d were signed "+
		"at least %d days before the newest checkpoint (%s), so it may not have been purged: the record was deleted",
		RecordsFile, line, seq, horizon, days, formatCheckpointTime(newest))
}

func sequenceError(line int, seq, want int64) error {
	switch {
	case seq > want:
		return fmt.Errorf("%s line %d: record %d follows record %d: records %d to %d are missing or out of order",
			RecordsFile, line, seq, want-1, want, seq-1)
	default:
		return fmt.Errorf("%s line %d: record %d is out of order or repeated: expected record %d",
			RecordsFile, line, seq, want)
	}
}

// fileCheckpoint is a verified checkpoint with the line of checkpoints.txt
// where it starts.
type fileCheckpoint struct {
	Checkpoint
	line int
}

// parseCheckpoints verifies and parses every checkpoint and returns them
// sorted by tree size. Two checkpoints of one size must sign the same root.
func parseCheckpoints(data []byte, v note.Verifier) ([]fileCheckpoint, error) {
	chunks, err := splitNotes(data)
	if err != nil {
		return nil, fmt.Errorf("%s %w", CheckpointsFile, err)
	}
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%s: no checkpoints, so nothing in the export is signed", CheckpointsFile)
	}
	cps := make([]fileCheckpoint, 0, len(chunks))
	for _, c := range chunks {
		cp, err := openCheckpoint(c.msg, v)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: checkpoint %w", CheckpointsFile, c.line, err)
		}
		cps = append(cps, fileCheckpoint{Checkpoint: *cp, line: c.line})
	}
	slices.SortStableFunc(cps, func(a, b fileCheckpoint) int { return int(min(max(a.Size-b.Size, -1), 1)) })
	for i := 1; i < len(cps); i++ {
		if cps[i].Size == cps[i-1].Size && cps[i].Root != cps[i-1].Root {
			return nil, fmt.Errorf("%s lines %d and %d: two checkpoints sign different roots for tree size %d: the log was forked",
				CheckpointsFile, cps[i-1].line, cps[i].line, cps[i].Size)
		}
	}
	return cps, nil
}

// Kinds of line in records.jsonl.
const (
	lineFull    = iota // the record with its salt
	lineOutside        // a leaf hash with the record's time: outside the exported period
	linePurged         // a leaf hash without time: the database no longer holds the record
)

// parsedLine is one line of records.jsonl as Verify uses it.
type parsedLine struct {
	seq  int64
	leaf tlog.Hash // the leaf hash, recomputed for a full record
	kind int
}

// parseLine reads one line of records.jsonl and returns its sequence number,
// leaf hash and kind. A line must be exactly what Export writes, byte for
// byte, so any change to a line is either caught here or changes the leaf
// hash. A full record that states its stored leaf hash must match it.
func parseLine(b []byte) (parsedLine, error) {
	var probe struct {
		Salt *string `json:"salt"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return parsedLine{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if probe.Salt == nil {
		var s exportStub
		if err := decodeStrict(b, &s); err != nil {
			return parsedLine{}, err
		}
		h, err := base64.StdEncoding.Strict().DecodeString(s.Leaf)
		if err != nil || len(h) != tlog.HashSize {
			return parsedLine{}, fmt.Errorf("record %d: invalid leaf hash", s.Seq)
		}
		kind := linePurged
		if s.Time != nil {
			kind = lineOutside
		}
		return parsedLine{seq: s.Seq, leaf: tlog.Hash(h), kind: kind}, nil
	}
	var r exportRecord
	if err := decodeStrict(b, &r); err != nil {
		return parsedLine{}, err
	}
	salt, err := base64.StdEncoding.Strict().DecodeString(r.Salt)
	if err != nil {
		return parsedLine{}, fmt.Errorf("record %d: invalid salt", r.Seq)
	}
	data, err := leafData(salt, r.Record)
	if err != nil {
		return parsedLine{}, err
	}
	leaf := tlog.RecordHash(data)
	if r.Leaf != "" {
		stored, err := base64.StdEncoding.Strict().DecodeString(r.Leaf)
		if err != nil || len(stored) != tlog.HashSize {
			return parsedLine{}, fmt.Errorf("record %d: invalid leaf hash", r.Seq)
		}
		if tlog.Hash(stored) != leaf {
			return parsedLine{}, fmt.Errorf("record %d does not match the leaf hash stored when it was written: "+
				"the record was changed", r.Seq)
		}
	}
	return parsedLine{seq: r.Seq, leaf: leaf, kind: lineFull}, nil
}

// decodeStrict decodes b into v, rejecting unknown fields, and requires that
// encoding v again gives b exactly.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid record: %w", err)
	}
	again, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("invalid record: %w", err)
	}
	if !bytes.Equal(again, b) {
		return errors.New("record is not in canonical form (changed after export)")
	}
	return nil
}

// memTree is a Merkle tree of stored hashes in memory, in tlog's index order.
type memTree struct {
	hashes []tlog.Hash
	n      int64
}

func (t *memTree) size() int64 { return t.n }

func (t *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx < 0 || idx >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("stored hash %d not available", idx)
		}
		out[i] = t.hashes[idx]
	}
	return out, nil
}

func (t *memTree) append(leaf tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(t.n, leaf, t)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.n++
	return nil
}

// checkCheckpoint compares the tree's root with c's signed root and proves
// that c extends prev, the previous checkpoint, if there is one.
func (t *memTree) checkCheckpoint(c fileCheckpoint, prev *fileCheckpoint) error {
	if c.Size == 0 {
		return nil
	}
	root, err := tlog.TreeHash(c.Size, t)
	if err != nil {
		return fmt.Errorf("%s line %d: tree hash at size %d: %w", CheckpointsFile, c.line, c.Size, err)
	}
	if root != c.Root {
		first := int64(1)
		if prev != nil {
			first = prev.Size + 1
		}
		return fmt.Errorf("%s line %d: root hash of records 1 to %d differs from the signed root, and the "+
			"previous checkpoint matched, so one of records %d to %d was changed, removed, inserted or reordered",
			CheckpointsFile, c.line, c.Size, first, c.Size)
	}
	if prev == nil || prev.Size == 0 || prev.Size == c.Size {
		return nil
	}
	p, err := tlog.ProveTree(c.Size, prev.Size, t)
	if err == nil {
		err = tlog.CheckTree(p, c.Size, c.Root, prev.Size, prev.Root)
	}
	if err == nil {
		steps := make([][]byte, len(p))
		for i := range p {
			steps[i] = p[i][:]
		}
		err = proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(prev.Size), uint64(c.Size), steps, prev.Root[:], c.Root[:])
	}
	if err != nil {
		return fmt.Errorf("%s lines %d and %d: checkpoint of size %d is not consistent with checkpoint of size %d: %w",
			CheckpointsFile, prev.line, c.line, c.Size, prev.Size, err)
	}
	return nil
}
