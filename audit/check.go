package audit

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
)

// ErrRecordChanged is returned by CheckRecords when a stored record no longer
// hashes to the leaf hash stored when it was written.
var ErrRecordChanged = errors.New("audit: record does not match its stored leaf hash")

// CheckRecords recomputes the leaf hash of each of the newest n records that
// the database holds, purged ones aside, and compares it with the leaf hash
// stored in the tree when the record was written. It returns the number of
// records checked, and for the first record, in sequence order, that differs
// an error wrapping ErrRecordChanged that names it. Checkpoint proves that the
// stored hashes extend the signed checkpoints, so the two checks together show
// that those n records are unchanged since they were signed. Older records
// are checked only by Verify on an export.
func CheckRecords(ctx context.Context, db store.Querier, n int64) (int64, error) {
	size, err := treeSize(ctx, db)
	if err != nil {
		return 0, err
	}
	var checked int64
	for first := max(1, size-n+1); first <= size; first += exportBatch {
		end := min(first+exportBatch-1, size)
		c, err := checkBatch(ctx, db, first, end)
		checked += c
		if err != nil {
			return checked, err
		}
	}
	return checked, nil
}

func checkBatch(ctx context.Context, db store.Querier, first, end int64) (int64, error) {
	stored, err := selectRecords(ctx, db, "seq >= ? AND seq <= ? ORDER BY seq", first, end)
	if err != nil {
		return 0, err
	}
	indexes := make([]int64, len(stored))
	for i, r := range stored {
		indexes[i] = tlog.StoredHashIndex(0, r.Seq-1)
	}
	leaves, err := readHashes(ctx, db, indexes)
	if err != nil {
		return 0, err
	}
	for i, r := range stored {
		data, err := leafData(r.salt, r.Record)
		if err != nil {
			return int64(i), fmt.Errorf("%w: record %d: %v", ErrRecordChanged, r.Seq, err)
		}
		if tlog.RecordHash(data) != leaves[i] {
			return int64(i), fmt.Errorf("%w: record %d (action %s, time %s) was changed after it was written",
				ErrRecordChanged, r.Seq, r.Action, r.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
	}
	return int64(len(stored)), nil
}
