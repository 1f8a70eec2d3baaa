package audit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
)

// Names of the files in an export directory.
const (
	RecordsFile     = "records.jsonl"
	CheckpointsFile = "checkpoints.txt"
)

// exportRecord is one line of records.jsonl for a record that is exported:
// the record's canonical JSON fields, its salt in base64 and, when the
// export was written by a version that stores it, the leaf hash that the
// database holds for it. Verify compares that hash with the one it
// recomputes, so a record changed in the database is named by its number.
type exportRecord struct {
	Record
	Salt string `json:"salt"`
	Leaf string `json:"leaf,omitempty"`
}

// exportStub is one line of records.jsonl for a record that is not written in
// full: its sequence number and leaf hash only, so that the tree can still be
// recomputed. Time is set for a record that the database holds but that lies
// outside the exported period. A stub without Time is a record the database
// no longer holds, which Verify accepts only where retention allows a purge.
type exportStub struct {
	Seq  int64      `json:"seq"`
	Time *time.Time `json:"time,omitempty"`
	Leaf string     `json:"leaf"`
}

// ExportOptions selects what Export writes.
type ExportOptions struct {
	// From and To bound the records written in full: From inclusive, To
	// exclusive; zero means unbounded. Records outside are written as leaf
	// hashes only.
	From, To time.Time
	// CheckpointPath is the checkpoint file to copy. Empty means the copy in
	// the database, which someone with write access to the database could
	// have changed.
	CheckpointPath string
}

// ExportSummary counts what Export wrote.
type ExportSummary struct {
	Records     int64 // lines in records.jsonl
	Full        int64 // records written in full
	Purged      int64 // records the database no longer holds, written as leaf hashes without time
	Checkpoints int   // signed checkpoints in checkpoints.txt
	TreeSize    int64 // size of the tree in the database
}

// Export writes dir/records.jsonl and dir/checkpoints.txt: every signed
// checkpoint, oldest first, and every record up to the newest checkpoint,
// in full if it falls in the period and still exists, else as its leaf hash.
// Records after the newest checkpoint are left out, because nothing vouches
// for them yet; sign a checkpoint first to include them.
func Export(ctx context.Context, db *store.DB, dir string, opts ExportOptions) (ExportSummary, error) {
	var sum ExportSummary
	notes, err := exportNotes(ctx, db, opts.CheckpointPath)
	if err != nil {
		return sum, err
	}
	if len(notes) == 0 {
		return sum, errors.New("audit: export: no signed checkpoint yet; sign one with \"minyi audit checkpoint\"")
	}
	// The tree size is read after the checkpoints, so an honest database
	// holds every record that a checkpoint read here covers.
	sum.TreeSize, err = treeSize(ctx, db)
	if err != nil {
		return sum, err
	}
	sum.Checkpoints = len(notes)
	last := min(notes[len(notes)-1].size, sum.TreeSize)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sum, fmt.Errorf("audit: export: %w", err)
	}
	var text strings.Builder
	for _, n := range notes {
		text.Write(n.msg)
		text.WriteByte('\n')
	}
	if err := writeFileSync(filepath.Join(dir, CheckpointsFile), []byte(text.String())); err != nil {
		return sum, err
	}
	err = writeRecords(ctx, db, filepath.Join(dir, RecordsFile), last, opts, &sum)
	return sum, err
}

// sizedNote is a signed checkpoint and the tree size its body states.
type sizedNote struct {
	size int64
	msg  []byte
}

// exportNotes reads the signed checkpoints from path, or from the database if
// path is empty, sorted by tree size. Signatures are not checked here; that
// is Verify's work.
func exportNotes(ctx context.Context, db *store.DB, path string) ([]sizedNote, error) {
	var msgs [][]byte
	if path == "" {
		var err error
		if msgs, err = storedCheckpointNotes(ctx, db); err != nil {
			return nil, err
		}
	} else {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("audit: export: %w", err)
		}
		chunks, err := splitNotes(data)
		if err != nil {
			return nil, fmt.Errorf("audit: export: %s: %w", path, err)
		}
		for _, c := range chunks {
			msgs = append(msgs, c.msg)
		}
	}
	notes := make([]sizedNote, 0, len(msgs))
	for _, msg := range msgs {
		body, _, _ := strings.Cut(string(msg), "\n\n")
		lines := strings.Split(body, "\n")
		if len(lines) < 2 {
			return nil, fmt.Errorf("audit: export: checkpoint without a tree size: %q", body)
		}
		size, err := strconv.ParseInt(lines[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("audit: export: checkpoint with invalid tree size %q", lines[1])
		}
		notes = append(notes, sizedNote{size: size, msg: msg})
	}
	slices.SortStableFunc(notes, func(a, b sizedNote) int { return int(min(max(a.size-b.size, -1), 1)) })
	return notes, nil
}

// exportBatch is the number of sequence numbers read per query.
const exportBatch = 1000

func writeRecords(ctx context.Context, db *store.DB, path string, last int64, opts ExportOptions, sum *ExportSummary) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for first := int64(1); first <= last; first += exportBatch {
		end := min(first+exportBatch-1, last)
		if err := writeBatch(ctx, db, w, first, end, opts, sum); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// writeBatch writes the lines for sequence numbers first..end. Every record
// the database holds is read, so that a record outside the period (a stub
// with its time) is distinguished from a record the database no longer
// holds (a stub without time).
func writeBatch(ctx context.Context, db *store.DB, w *bufio.Writer, first, end int64, opts ExportOptions, sum *ExportSummary) error {
	stored, err := selectRecords(ctx, db, "seq >= ? AND seq <= ? ORDER BY seq", first, end)
	if err != nil {
		return err
	}
	have := make(map[int64]storedRecord, len(stored))
	for _, r := range stored {
		have[r.Seq] = r
	}
	indexes := make([]int64, 0, end-first+1)
	for seq := first; seq <= end; seq++ {
		indexes = append(indexes, tlog.StoredHashIndex(0, seq-1))
	}
	leaves, err := readHashes(ctx, db, indexes)
	if err != nil {
		return err
	}

	for seq := first; seq <= end; seq++ {
		leaf := base64.StdEncoding.EncodeToString(leaves[seq-first][:])
		var line any
		r, ok := have[seq]
		switch {
		case ok && inPeriod(r.Time, opts):
			line = exportRecord{Record: r.Record, Salt: base64.StdEncoding.EncodeToString(r.salt), Leaf: leaf}
			sum.Full++
		case ok:
			at := r.Time.UTC()
			line = exportStub{Seq: seq, Time: &at, Leaf: leaf}
		default:
			line = exportStub{Seq: seq, Leaf: leaf}
			sum.Purged++
		}
		b, err := json.Marshal(line)
		if err != nil {
			return fmt.Errorf("audit: export: record %d: %w", seq, err)
		}
		w.Write(b)
		if err := w.WriteByte('\n'); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		sum.Records++
	}
	return nil
}

// inPeriod reports whether t lies in the exported period: From inclusive, To
// exclusive, a zero bound meaning unbounded.
func inPeriod(t time.Time, opts ExportOptions) bool {
	return (opts.From.IsZero() || !t.Before(opts.From)) && (opts.To.IsZero() || t.Before(opts.To))
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// MinRetention is the shortest period for which records are kept before
// Purge may delete them.
const MinRetention = 183 * 24 * time.Hour

// Purge deletes the records that occurred before cutoff and that a signed
// checkpoint covered at least MinRetention before the newest checkpoint in
// the checkpoint file was signed, and returns how many it deleted. Their leaf
// hashes stay in the tree, so checkpoints and exports still verify, and
// Verify applies the same rule to the checkpoints of an export, so a record
// deleted any other way is reported. A cutoff later than now minus
// MinRetention is rejected. Purge needs the signing key, to check the
// checkpoints it relies on.
func (l *Log) Purge(ctx context.Context, db *store.DB, cutoff time.Time) (int64, error) {
	if cutoff.After(l.now().Add(-MinRetention)) {
		return 0, fmt.Errorf("audit: purge: cutoff %s is within the minimum retention of %d days",
			cutoff.UTC().Format(time.DateOnly), int(MinRetention.Hours()/24))
	}
	if l.key == nil {
		return 0, errors.New("audit: purge: no signing key configured, so the checkpoint times cannot be checked")
	}
	cps, err := l.fileCheckpoints()
	if err != nil {
		return 0, fmt.Errorf("audit: purge: %w", err)
	}
	horizon, _ := purgeHorizon(cps)
	res, err := db.ExecContext(ctx, "DELETE FROM audit_records WHERE occurred_at < ? AND seq <= ?",
		cutoff.UnixMilli(), horizon)
	if err != nil {
		return 0, fmt.Errorf("audit: purge: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("audit: purge: %w", err)
	}
	l.log.Info("audit records purged", "count", n, "cutoff", cutoff.UTC(), "purgeable_up_to_record", horizon)
	return n, nil
}

// purgeHorizon returns the largest tree size covered by a checkpoint that was
// signed at least MinRetention before the newest signed time among cps, and
// that newest time. Records up to that size may have been purged; a record
// after it may not. Checkpoints without a time count for neither.
func purgeHorizon(cps []Checkpoint) (horizon int64, newest time.Time) {
	for _, c := range cps {
		if c.Time.After(newest) {
			newest = c.Time
		}
	}
	if newest.IsZero() {
		return 0, newest
	}
	limit := newest.Add(-MinRetention)
	for _, c := range cps {
		if !c.Time.IsZero() && !c.Time.After(limit) && c.Size > horizon {
			horizon = c.Size
		}
	}
	return horizon, newest
}
