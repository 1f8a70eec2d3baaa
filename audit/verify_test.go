package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
	"minyi/store/storetest"
)

var testStart = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

// signedExport builds a log of 30 records with checkpoints at 10, 20 and 30
// and returns its export.
func signedExport(t *testing.T, db *store.DB) (*Log, *Key, []string, string) {
	t.Helper()
	l, key := testLog(t)
	for i := range 3 {
		appendRecords(t, db, l, i*10, 10, testStart)
		checkpoint(t, db, l)
	}
	lines, cps := readExport(t, export(t, db, l, ExportOptions{}))
	if len(lines) != 30 {
		t.Fatalf("export has %d lines, want 30", len(lines))
	}
	return l, key, lines, cps
}

func TestVerifyTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, key, lines, cps := signedExport(t, db)
		other := otherKey(t)
		tests := []struct {
			name   string
			tamper func(lines []string, cps string) ([]string, string)
			want   string // substring of the error; empty for success
		}{
			{"untouched", func(l []string, c string) ([]string, string) { return l, c }, ""},
			{"record deleted", func(l []string, c string) ([]string, string) {
				return slices.Delete(l, 14, 15), c
			}, "line 15: record 16 follows record 14: records 15 to 15 are missing"},
			{"two records reordered", func(l []string, c string) ([]string, string) {
				l[4], l[5] = l[5], l[4]
				return l, c
			}, "line 5: record 6 follows record 4: records 5 to 5 are missing or out of order"},
			{"two records swapped and renumbered", func(l []string, c string) ([]string, string) {
				a := strings.Replace(l[5], `"seq":6,`, `"seq":5,`, 1)
				b := strings.Replace(l[4], `"seq":5,`, `"seq":6,`, 1)
				l[4], l[5] = a, b
				return l, c
			}, "line 5: record 5 does not match the leaf hash stored when it was written"},
			{"two records swapped, renumbered and stored leaves removed", func(l []string, c string) ([]string, string) {
				a := dropStoredLeaf(strings.Replace(l[5], `"seq":6,`, `"seq":5,`, 1))
				b := dropStoredLeaf(strings.Replace(l[4], `"seq":5,`, `"seq":6,`, 1))
				l[4], l[5] = a, b
				return l, c
			}, "root hash of records 1 to 10 differs from the signed root, and the previous checkpoint matched, " +
				"so one of records 1 to 10 was changed"},
			{"record repeated", func(l []string, c string) ([]string, string) {
				return slices.Insert(l, 7, l[6]), c
			}, "line 8: record 7 is out of order or repeated: expected record 8"},
			{"covered records truncated", func(l []string, c string) ([]string, string) {
				return l[:25], c
			}, "checkpoint signs tree size 30 but records.jsonl ends at record 25: records 26 to 30 are missing"},
			{"all records removed", func(l []string, c string) ([]string, string) {
				return nil, c
			}, "checkpoint signs tree size 10 but records.jsonl ends at record 0"},
			{"unsigned record added", func(l []string, c string) ([]string, string) {
				stub := fmt.Sprintf(`{"seq":31,"leaf":"%s"}`, strings.Repeat("A", 43)+"=")
				return append(l, stub), c
			}, "line 31: record 31 follows the newest checkpoint (tree size 30)"},
			{"record field changed", func(l []string, c string) ([]string, string) {
				l[11] = strings.Replace(l[11], `"account_id":`, `"account_id":9`, 1)
				return l, c
			}, "line 12: record 12 does not match the leaf hash stored when it was written"},
			{"record field changed and stored leaf removed", func(l []string, c string) ([]string, string) {
				l[11] = dropStoredLeaf(strings.Replace(l[11], `"account_id":`, `"account_id":9`, 1))
				return l, c
			}, "so one of records 11 to 20 was changed"},
			{"full record replaced by leaf hash", func(l []string, c string) ([]string, string) {
				l[11] = fmt.Sprintf(`{"seq":12,"leaf":"%s"}`, strings.Repeat("A", 43)+"=")
				return l, c
			}, "line 12: record 12 is missing (leaf hash only)"},
			{"record not canonical", func(l []string, c string) ([]string, string) {
				l[2] = strings.Replace(l[2], `"seq":3,`, `"seq": 3,`, 1)
				return l, c
			}, "line 3: record is not in canonical form"},
			{"checkpoint root altered", func(l []string, c string) ([]string, string) {
				return l, alterCheckpointLine(t, c, 1, 2)
			}, "checkpoint signature invalid"},
			{"checkpoint size altered", func(l []string, c string) ([]string, string) {
				return l, alterCheckpointLine(t, c, 2, 1)
			}, "checkpoint signature invalid"},
			{"checkpoint signature removed", func(l []string, c string) ([]string, string) {
				return l, strings.Replace(c, "\n\n— ", "\n\n", 1)
			}, "checkpoints.txt line 1: checkpoint has no signature"},
			{"checkpoints removed", func(l []string, c string) ([]string, string) {
				return l, ""
			}, "no checkpoints, so nothing in the export is signed"},
			{"records rewritten and re-signed with another key", func(l []string, c string) ([]string, string) {
				l[2] = dropStoredLeaf(strings.Replace(l[2], `"purpose":"处理工单"`, `"purpose":"例行检查"`, 1))
				return l, resign(t, l, other, 10, 20, 30)
			}, "not by the given key " + testOrigin},
			{"forked checkpoint added", func(l []string, c string) ([]string, string) {
				forked := slices.Clone(l)
				forked[2] = dropStoredLeaf(strings.Replace(forked[2], `"purpose":"处理工单"`, `"purpose":"例行检查"`, 1))
				return l, c + resign(t, forked, key, 10)
			}, "two checkpoints sign different roots for tree size 10"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l, c := tt.tamper(slices.Clone(lines), cps)
				_, err := VerifyDir(writeExport(t, l, c), key.Verifier)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("verify: %v", err)
					}
					return
				}
				if err == nil {
					t.Fatalf("verify passed, want error containing %q", tt.want)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("verify error = %q, want it to contain %q", err, tt.want)
				}
			})
		}
	})
}

// TestVerifyEveryByte flips each byte of three records in turn and expects
// each change to be detected.
func TestVerifyEveryByte(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, key, lines, cps := signedExport(t, db)
		for _, idx := range []int{0, 14, 29} {
			for pos := range len(lines[idx]) {
				for _, mask := range []byte{0x01, 0x20} {
					tampered := slices.Clone(lines)
					b := []byte(tampered[idx])
					b[pos] ^= mask
					tampered[idx] = string(b)
					_, err := Verify(strings.NewReader(strings.Join(tampered, "\n")+"\n"), []byte(cps), key.Verifier)
					if err == nil {
						t.Fatalf("record %d: byte %d (%q) xor %#x not detected", idx+1, pos, lines[idx][pos], mask)
					}
					if !strings.Contains(err.Error(), " line ") {
						t.Fatalf("record %d byte %d: error %q names no line", idx+1, pos, err)
					}
				}
			}
		}
	})
}

// TestVerifyRewrittenDatabase rewrites a record in the database and
// recomputes every stored hash, as an administrator without the signing key
// could.
func TestVerifyRewrittenDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key, _, _ := signedExport(t, db)
		if _, err := db.ExecContext(ctx, "UPDATE audit_records SET purpose = ? WHERE seq = 5", "例行检查"); err != nil {
			t.Fatal(err)
		}
		rehash(t, db)

		t.Run("checkpoint refuses", func(t *testing.T) {
			appendRecords(t, db, l, 30, 1, testStart)
			_, err := l.Checkpoint(ctx, db)
			if !errors.Is(err, ErrInconsistent) {
				t.Fatalf("checkpoint error = %v, want ErrInconsistent", err)
			}
		})
		t.Run("original checkpoints", func(t *testing.T) {
			_, err := VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier)
			want := "root hash of records 1 to 10 differs from the signed root"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("verify error = %v, want %q", err, want)
			}
		})
		t.Run("checkpoints signed with another key", func(t *testing.T) {
			forger, err := New(Options{Key: otherKey(t), CheckpointPath: filepath.Join(t.TempDir(), "forged")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "DELETE FROM audit_checkpoints"); err != nil {
				t.Fatal(err)
			}
			checkpoint(t, db, forger)
			dir := export(t, db, forger, ExportOptions{})
			if _, err := VerifyDir(dir, forger.key.Verifier); err != nil {
				t.Fatalf("forged export does not verify with the forger's key: %v", err)
			}
			_, err = VerifyDir(dir, key.Verifier)
			if err == nil || !strings.Contains(err.Error(), "not by the given key") {
				t.Fatalf("verify error = %v, want a key mismatch", err)
			}
		})
	})
}

func TestVerifyPurgedAndPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key, clock := testLogWithClock(t)
		now := clock.now
		old := now.AddDate(-1, 0, 0)
		recent := now.Add(-48 * time.Hour)
		appendRecords(t, db, l, 0, 10, old)
		clock.now = old.Add(time.Hour)
		checkpoint(t, db, l)
		appendRecords(t, db, l, 10, 10, recent)
		clock.now = recent.Add(time.Hour)
		checkpoint(t, db, l)
		clock.now = now

		if _, err := l.Purge(ctx, db, time.Now().AddDate(0, 0, -30)); err == nil {
			t.Fatal("purge within the minimum retention succeeded")
		}
		n, err := l.Purge(ctx, db, time.Now().AddDate(0, -7, 0))
		if err != nil {
			t.Fatalf("purge: %v", err)
		}
		if n != 10 {
			t.Fatalf("purged %d records, want 10", n)
		}

		tests := []struct {
			name        string
			opts        ExportOptions
			wantFull    int64
			wantOutside int64
		}{
			{"after purge", ExportOptions{}, 10, 0},
			{"period", ExportOptions{From: recent.Add(12 * time.Minute), To: recent.Add(15 * time.Minute)}, 3, 7},
			{"database checkpoints", ExportOptions{CheckpointPath: ""}, 10, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				dir := t.TempDir()
				opts := tt.opts
				if tt.name != "database checkpoints" {
					opts.CheckpointPath = l.checkpointPath
				}
				if _, err := Export(ctx, db, dir, opts); err != nil {
					t.Fatalf("export: %v", err)
				}
				res, err := VerifyDir(dir, key.Verifier)
				if err != nil {
					t.Fatalf("verify: %v", err)
				}
				if res.Records != 20 {
					t.Errorf("records = %d, want 20", res.Records)
				}
				if res.Full != tt.wantFull {
					t.Errorf("full records = %d, want %d", res.Full, tt.wantFull)
				}
				if res.Outside != tt.wantOutside {
					t.Errorf("records outside the period = %d, want %d", res.Outside, tt.wantOutside)
				}
				if res.Purged != 10 {
					t.Errorf("purged records = %d, want 10", res.Purged)
				}
				if res.Checkpoints != 2 {
					t.Errorf("checkpoints = %d, want 2", res.Checkpoints)
				}
			})
		}
	})
}

func otherKey(t *testing.T) *Key {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseSignerKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// resign recomputes the tree from export lines and signs checkpoints of the
// given sizes with key.
func resign(t *testing.T, lines []string, key *Key, sizes ...int64) string {
	t.Helper()
	tree := &memTree{}
	var out bytes.Buffer
	for _, line := range lines {
		parsed, err := parseLine([]byte(line))
		if err != nil {
			t.Fatalf("resign: %v", err)
		}
		if err := tree.append(parsed.leaf); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(sizes, tree.size()) {
			continue
		}
		root, err := tlog.TreeHash(tree.size(), tree)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: checkpointBody(key.Origin, tree.size(), root, time.Time{})}, key.Signer)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(msg)
		out.WriteByte('\n')
	}
	return out.String()
}

// alterCheckpointLine changes one character of body line lineNo (0-based) of
// checkpoint number which (0-based).
func alterCheckpointLine(t *testing.T, cps string, which, lineNo int) string {
	t.Helper()
	notes := strings.SplitAfter(cps, "\n\n")
	// SplitAfter gives body+blank, signatures+blank, alternately.
	body := notes[2*which]
	lines := strings.Split(body, "\n")
	b := []byte(lines[lineNo])
	if b[0] == '1' {
		b[0] = '2'
	} else {
		b[0] = '1'
	}
	lines[lineNo] = string(b)
	notes[2*which] = strings.Join(lines, "\n")
	return strings.Join(notes, "")
}

// rehash recomputes every stored hash from the records in the database.
func rehash(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	recs, err := selectRecords(ctx, db, "1 = 1 ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	tree := &memTree{}
	for _, r := range recs {
		data, err := leafData(r.salt, r.Record)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.append(tlog.RecordHash(data)); err != nil {
			t.Fatal(err)
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM audit_hashes"); err != nil {
			return err
		}
		return insertHashes(ctx, tx, 0, tree.hashes)
	})
	if err != nil {
		t.Fatalf("rehash: %v", err)
	}
}

func TestVerifyTruncatedDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, key, _, _ := signedExport(t, db)
		// Remove records 26 to 30 with their hashes, as someone with write
		// access to the database could after the checkpoint at 30.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, q := range []string{
				"DELETE FROM audit_records WHERE seq > 25",
				fmt.Sprintf("DELETE FROM audit_hashes WHERE idx >= %d", tlog.StoredHashCount(25)),
				"UPDATE audit_head SET size = 25",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = VerifyDir(export(t, db, l, ExportOptions{}), key.Verifier)
		want := "checkpoint signs tree size 30 but records.jsonl ends at record 25"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("verify error = %v, want %q", err, want)
		}
	})
}
