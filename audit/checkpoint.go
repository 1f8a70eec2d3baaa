package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"minyi/store"
)

// ErrEmptyLog is returned by Checkpoint when the log has no records yet.
var ErrEmptyLog = errors.New("audit: log is empty, nothing to sign")

// Checkpoint is a signed statement of the tree's size and root hash.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// Time is when the checkpoint was signed, by the signer's clock, in UTC at
	// millisecond precision. It is zero for a checkpoint signed before minyi
	// wrote the time line, and such a checkpoint does not vouch for purges.
	Time time.Time
	Note []byte // the signed note: body, blank line, signature lines
}

// checkpointTimePrefix starts the extension line that states when a
// checkpoint was signed.
const checkpointTimePrefix = "time "

// checkpointBody returns the text that is signed: the origin, the tree size in
// decimal and the root hash in standard base64, one a line, as in
// transparency-log checkpoints, followed by the extension line
// "time 2026-12-04T23:06:00.123Z" unless signed is zero. tlog.FormatTree
// writes the Go checksum database's own header instead, so it is not used.
// The signed time is what lets Verify tell a purged record from a deleted one.
func checkpointBody(origin string, size int64, root tlog.Hash, signed time.Time) string {
	body := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
	if !signed.IsZero() {
		body += checkpointTimePrefix + formatCheckpointTime(signed) + "\n"
	}
	return body
}

func formatCheckpointTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// parseCheckpointBody reads a body written by checkpointBody: three lines,
// or four with the time line. Other extension lines are rejected, because
// minyi writes none.
func parseCheckpointBody(text string) (origin string, size int64, root tlog.Hash, signed time.Time, err error) {
	lines := strings.Split(text, "\n")
	if (len(lines) != 4 && len(lines) != 5) || lines[len(lines)-1] != "" {
		return "", 0, root, signed, fmt.Errorf("body has %d lines, want 3 (origin, size, root) or 4 (and time)", len(lines)-1)
	}
	origin = lines[0]
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, signed, fmt.Errorf("invalid tree size %q", lines[1])
	}
	b, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(b) != tlog.HashSize {
		return "", 0, root, signed, fmt.Errorf("invalid root hash %q", lines[2])
	}
	if len(lines) == 5 {
		v, ok := strings.CutPrefix(lines[3], checkpointTimePrefix)
		t, perr := time.Parse(time.RFC3339Nano, v)
		if !ok || perr != nil || formatCheckpointTime(t) != v {
			return "", 0, root, signed, fmt.Errorf("invalid time line %q, want \"time\" and a UTC time such as %s",
				lines[3], formatCheckpointTime(time.Unix(0, 0)))
		}
		signed = t.UTC()
	}
	return origin, size, tlog.Hash(b), signed, nil
}

// Checkpoint signs the current tree size and root hash, appends the signed
// note to the checkpoint file and copies it into the audit_checkpoints table.
// If no record was added since the newest checkpoint in the file it returns
// that one without signing again. It returns ErrEmptyLog for an empty log, and
// ErrInconsistent, signing nothing, if the tree does not extend the newest
// checkpoint in the file.
func (l *Log) Checkpoint(ctx context.Context, db *store.DB) (*Checkpoint, error) {
	if l.key == nil {
		return nil, errors.New("audit: checkpoint: no signing key configured")
	}
	l.signMu.Lock()
	defer l.signMu.Unlock()
	// The newest checkpoint is read before the tree size: the size only grows,
	// so another process that signs in between cannot make the tree look
	// shorter than a checkpoint.
	last, err := l.lastFileCheckpoint()
	if err != nil {
		return nil, err
	}
	// Stored hashes are never changed once written, so reading the size first
	// and the hashes after gives a consistent tree even while others append.
	size, err := treeSize(ctx, db)
	if err != nil {
		return nil, err
	}
	if size == 0 && last == nil {
		return nil, ErrEmptyLog
	}

	root, err := l.consistentRoot(ctx, db, last, size)
	if err != nil {
		return nil, err
	}
	if last != nil && last.Size == size {
		return last, nil
	}
	signed := l.now().UTC().Truncate(time.Millisecond)
	msg, err := note.Sign(&note.Note{Text: checkpointBody(l.key.Origin, size, root, signed)}, l.key.Signer)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint: sign: %w", err)
	}
	if err := l.appendCheckpointFile(msg); err != nil {
		return nil, err
	}

	_, err = db.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (size) DO NOTHING`, size, root[:], string(msg), l.now().UnixMilli())
	if err != nil {
		// The file is the copy that counts and has the checkpoint already.
		l.log.Warn("audit checkpoint not copied to database", "tree_size", size, "error", err)
	}
	l.log.Info("audit checkpoint signed", "tree_size", size, "origin", l.key.Origin)
	return &Checkpoint{Origin: l.key.Origin, Size: size, Root: root, Time: signed, Note: msg}, nil
}

// ErrInconsistent is returned by Checkpoint when the tree in the database
// does not extend the newest signed checkpoint: records or hashes that were
// already signed have been changed or removed. Nothing is signed then.
var ErrInconsistent = errors.New("audit: tree does not extend the last signed checkpoint")

// consistentRoot returns the root hash of the tree of the given size after
// checking that the tree extends last, the newest signed checkpoint. A
// rewritten or truncated database is thus reported when it is noticed, and
// never signed.
func (l *Log) consistentRoot(ctx context.Context, db *store.DB, last *Checkpoint, size int64) (tlog.Hash, error) {
	fail := func(err error) (tlog.Hash, error) {
		l.log.Error("audit log rewritten: tree does not extend last checkpoint",
			"tree_size", size, "checkpoint_size", last.Size, "error", err)
		return tlog.Hash{}, fmt.Errorf("%w (signed size %d, tree size %d): %v", ErrInconsistent, last.Size, size, err)
	}
	if last != nil && size < last.Size {
		return fail(errors.New("the tree is smaller than the signed size"))
	}
	root, err := tlog.TreeHash(size, hashReader(ctx, db))
	if err != nil {
		return root, fmt.Errorf("audit: checkpoint: tree hash at size %d: %w", size, err)
	}
	if last == nil {
		return root, nil
	}
	if size == last.Size {
		if root != last.Root {
			return fail(errors.New("the root differs from the signed root"))
		}
		return root, nil
	}
	proof, err := tlog.ProveTree(size, last.Size, hashReader(ctx, db))
	if err == nil {
		err = tlog.CheckTree(proof, size, root, last.Size, last.Root)
	}
	if err != nil {
		return fail(err)
	}
	return root, nil
}

// checkpointTail is how much of the end of the checkpoint file is read to find
// the newest checkpoint; one checkpoint takes about 200 bytes.
const checkpointTail = 16 << 10

// lastFileCheckpoint returns the checkpoint of the largest tree size among
// those at the end of the checkpoint file, or nil if the file is missing or
// empty. Every note read must carry a valid signature by l's key.
func (l *Log) lastFileCheckpoint() (*Checkpoint, error) {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	f, err := os.Open(l.checkpointPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	offset := max(0, info.Size()-checkpointTail)
	data := make([]byte, info.Size()-offset)
	if _, err := f.ReadAt(data, offset); err != nil {
		return nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	if offset > 0 {
		k := noteStart(data)
		if k < 0 {
			return nil, fmt.Errorf("audit: checkpoint file %s: no complete checkpoint in its last %d bytes",
				l.checkpointPath, checkpointTail)
		}
		data = data[k:]
	}

	chunks, err := splitNotes(data)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint file %s: %w", l.checkpointPath, err)
	}
	var last *Checkpoint
	for _, c := range chunks {
		cp, err := openCheckpoint(c.msg, l.key.Verifier)
		if err != nil {
			return nil, fmt.Errorf("audit: checkpoint file %s: %w", l.checkpointPath, err)
		}
		if last == nil || cp.Size > last.Size {
			last = cp
		}
	}
	return last, nil
}

// fileCheckpoints returns every checkpoint in the checkpoint file, each
// verified with l's key, or none if the file is missing. It reads the whole
// file, about 250 bytes per checkpoint.
func (l *Log) fileCheckpoints() ([]Checkpoint, error) {
	l.fileMu.Lock()
	data, err := os.ReadFile(l.checkpointPath)
	l.fileMu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	chunks, err := splitNotes(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint file %s: %w", l.checkpointPath, err)
	}
	cps := make([]Checkpoint, 0, len(chunks))
	for _, c := range chunks {
		cp, err := openCheckpoint(c.msg, l.key.Verifier)
		if err != nil {
			return nil, fmt.Errorf("checkpoint file %s line %d: %w", l.checkpointPath, c.line, err)
		}
		cps = append(cps, *cp)
	}
	return cps, nil
}

// appendCheckpointFile appends one signed note and a blank separator line to
// the checkpoint file and syncs it to disk.
func (l *Log) appendCheckpointFile(msg []byte) error {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	f, err := os.OpenFile(l.checkpointPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("audit: checkpoint file: %w", err)
	}
	_, err = f.Write(append(slices.Clip(msg), '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: checkpoint file %s: %w", l.checkpointPath, err)
	}
	return nil
}

func latestCheckpoint(ctx context.Context, q store.Querier) (*Checkpoint, error) {
	var c Checkpoint
	var root []byte
	var msg string
	err := q.QueryRowContext(ctx, "SELECT size, root, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1").
		Scan(&c.Size, &root, &msg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	c.Root = tlog.Hash(root)
	c.Note = []byte(msg)
	return &c, nil
}

// storedCheckpointNotes returns the signed notes kept in the database, oldest
// first.
func storedCheckpointNotes(ctx context.Context, q store.Querier) ([][]byte, error) {
	rows, err := q.QueryContext(ctx, "SELECT note FROM audit_checkpoints ORDER BY size")
	if err != nil {
		return nil, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	defer rows.Close()
	var notes [][]byte
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return nil, fmt.Errorf("audit: read checkpoints: %w", err)
		}
		notes = append(notes, []byte(msg))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	return notes, nil
}

// noteChunk is one signed note found in a checkpoint file, with the line it
// starts on.
type noteChunk struct {
	line int
	msg  []byte
}

// splitNotes splits a checkpoint file into its signed notes. Each note is
// body lines, a blank line and one or more signature lines starting with
// "— "; notes are separated by blank lines.
func splitNotes(data []byte) ([]noteChunk, error) {
	var chunks []noteChunk
	lines := strings.SplitAfter(string(data), "\n")
	i := 0
	for i < len(lines) {
		if lines[i] == "\n" || lines[i] == "" {
			i++
			continue
		}
		start := i
		for i < len(lines) && lines[i] != "\n" && lines[i] != "" {
			i++
		}
		if i >= len(lines) || lines[i] == "" {
			return nil, fmt.Errorf("line %d: checkpoint has no signature", start+1)
		}
		i++ // the blank line between body and signatures
		sigStart := i
		for i < len(lines) && strings.HasPrefix(lines[i], "— ") {
			i++
		}
		if i == sigStart {
			return nil, fmt.Errorf("line %d: checkpoint has no signature", start+1)
		}
		if !strings.HasSuffix(lines[i-1], "\n") {
			return nil, fmt.Errorf("line %d: checkpoint does not end with a newline", i)
		}
		chunks = append(chunks, noteChunk{line: start + 1, msg: []byte(strings.Join(lines[start:i], ""))})
	}
	return chunks, nil
}

// openCheckpoint verifies one signed note with v and parses its body. The
// origin must be the verifier's name.
func openCheckpoint(msg []byte, v note.Verifier) (*Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			var keys []string
			for _, s := range unverified.Note.UnverifiedSigs {
				keys = append(keys, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
			}
			return nil, fmt.Errorf("signed by key %s, not by the given key %s+%08x",
				strings.Join(keys, ", "), v.Name(), v.KeyHash())
		}
		return nil, fmt.Errorf("signature invalid: %w", err)
	}
	origin, size, root, signed, err := parseCheckpointBody(n.Text)
	if err != nil {
		return nil, err
	}
	if origin != v.Name() {
		return nil, fmt.Errorf("origin %q differs from the key's name %q", origin, v.Name())
	}
	return &Checkpoint{Origin: origin, Size: size, Root: root, Time: signed, Note: bytes.Clone(msg)}, nil
}

// noteStart returns the offset of the first note that starts in data, which
// may begin in the middle of a note: the offset after the first blank line
// that follows a signature line. It returns -1 if there is none.
func noteStart(data []byte) int {
	for p := 0; ; {
		i := bytes.Index(data[p:], []byte("\n\n"))
		if i < 0 {
			return -1
		}
		end := p + i
		lineStart := bytes.LastIndexByte(data[:end], '\n') + 1
		if bytes.HasPrefix(data[lineStart:end], []byte("— ")) {
			return end + 2
		}
		p = end + 1
	}
}

// CheckpointerOptions sets when a Checkpointer signs.
type CheckpointerOptions struct {
	Every    int64         // sign after this many new records; default 1000
	Interval time.Duration // sign at least this often while records arrive; default 5 minutes
	Poll     time.Duration // how often to read the tree size; default 5 seconds or Interval if shorter
}

// Checkpointer signs checkpoints in the background: after every Every
// records, at least every Interval while records arrive, and once more when
// it is closed.
type Checkpointer struct {
	log  *Log
	db   *store.DB
	opts CheckpointerOptions
	stop chan struct{}
	done chan struct{}
	run  chan struct{} // closed when Run starts
}

// NewCheckpointer returns a Checkpointer for l's tree in db. l needs a key.
func NewCheckpointer(l *Log, db *store.DB, opts CheckpointerOptions) *Checkpointer {
	if opts.Every <= 0 {
		opts.Every = 1000
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = min(5*time.Second, opts.Interval)
	}
	return &Checkpointer{log: l, db: db, opts: opts,
		stop: make(chan struct{}), done: make(chan struct{}), run: make(chan struct{})}
}

// Run signs checkpoints until ctx ends or Close is called. Failures are
// logged and retried after the poll interval, because a missing checkpoint
// must not stop the service; Run returns nil.
func (c *Checkpointer) Run(ctx context.Context) error {
	close(c.run)
	defer close(c.done)
	var signedSize int64
	if last, err := latestCheckpoint(ctx, c.db); err == nil && last != nil {
		signedSize = last.Size
	}
	signedAt := time.Now()
	// After a failure the next attempt waits for the poll interval, so that a
	// log that cannot be signed does not log an error at every append.
	var retryAt time.Time
	ticker := time.NewTicker(c.opts.Poll)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.stop:
			return nil
		case <-ticker.C:
		case <-c.log.appended:
		}
		size, err := treeSize(ctx, c.db)
		if err != nil {
			c.log.log.Warn("audit checkpointer cannot read tree size", "error", err)
			continue
		}
		due := size-signedSize >= c.opts.Every || (size > signedSize && time.Since(signedAt) >= c.opts.Interval)
		if !due || time.Now().Before(retryAt) {
			continue
		}
		cp, err := c.log.Checkpoint(ctx, c.db)
		if err != nil {
			c.log.log.Error("audit checkpoint failed", "tree_size", size, "error", err)
			retryAt = time.Now().Add(c.opts.Poll)
			continue
		}
		signedSize, signedAt = cp.Size, time.Now()
	}
}

// Close stops Run, waits for it to return and signs a final checkpoint. It
// may be called once.
func (c *Checkpointer) Close() error {
	close(c.stop)
	select {
	case <-c.run:
		<-c.done
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.log.Checkpoint(ctx, c.db); err != nil && !errors.Is(err, ErrEmptyLog) {
		return err
	}
	return nil
}

// Status is the state of the log for an operator or auditor: the number of
// records and the newest signed checkpoint.
type Status struct {
	TreeSize int64
	// Signed is the newest checkpoint in the checkpoint file, nil if none is
	// signed yet.
	Signed *Checkpoint
	// CheckpointPath is the file the checkpoints are appended to.
	CheckpointPath string
	// VerifierKey is the key that checks the signatures, in the form
	// "minyi audit pubkey" prints.
	VerifierKey string
}

// Status returns the tree size in db and the newest checkpoint in the
// checkpoint file, whose signature it checks. It does not check that the
// tree extends the checkpoint; Checkpoint does that.
func (l *Log) Status(ctx context.Context, db store.Querier) (Status, error) {
	if l.key == nil {
		return Status{}, errors.New("audit: status: no signing key configured")
	}
	last, err := l.lastFileCheckpoint()
	if err != nil {
		return Status{}, err
	}
	size, err := treeSize(ctx, db)
	if err != nil {
		return Status{}, err
	}
	return Status{TreeSize: size, Signed: last, CheckpointPath: l.checkpointPath, VerifierKey: l.key.VerifierKey}, nil
}

// CheckpointPath returns the file the checkpoints are appended to.
func (l *Log) CheckpointPath() string { return l.checkpointPath }
