package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"minyi/dedup"
	"minyi/intake"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/workflow"
)

// maxRejectedShown is how many rejected rows the text summary lists one by
// one; --json lists them all.
const maxRejectedShown = 100

// importSummary is the result of an import, or with --dry-run its forecast.
type importSummary struct {
	File     string `json:"file"`
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	Channel  string `json:"channel"`
	DryRun   bool   `json:"dry_run"`
	Rows     int    `json:"rows"`
	Created  int    `json:"created"`
	Present  int    `json:"already_present"`
	// Similar counts, in a dry run, the new rows that would be suggested for
	// merging as near-duplicates of an open ticket or of an earlier row.
	Similar  int              `json:"would_suggest_merge,omitempty"`
	Rejected []importRejected `json:"rejected"`
	// Skipped lists the records that are not items, such as automatic
	// replies and bounces among mails.
	Skipped []importSkipped `json:"skipped"`
	// PhonesDropped lists the lines whose phone column held no usable phone
	// number, such as one an earlier system half-masked (139****1234). Those
	// rows are imported without a phone, so the item is not lost.
	PhonesDropped []int `json:"phones_dropped,omitempty"`
	// Ignored lists the files of a mail folder that are not .eml files and
	// were not read.
	Ignored       []string `json:"ignored_files,omitempty"`
	Seconds       float64  `json:"seconds"`
	RowsPerSecond float64  `json:"rows_per_second"`
	Cancelled     bool     `json:"cancelled,omitempty"`
}

// importRejected is one row that was not imported, with the reason. File is
// set for mails, whose records each come from a file of their own.
type importRejected struct {
	Line   int    `json:"line"`
	File   string `json:"file,omitempty"`
	Reason string `json:"reason"`
}

// importSkipped is one record that is not an item, with the reason: one of
// the intake.Skip constants, and the header that decided.
type importSkipped struct {
	Line   int    `json:"line"`
	File   string `json:"file,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// skipReasonText gives the summary's bilingual label for each skip reason.
var skipReasonText = map[string]string{
	intake.SkipAutoReply: "自动回复 auto-reply",
	intake.SkipBounce:    "退信 bounce",
	intake.SkipReceipt:   "已读回执 read receipt",
}

// importOptions are the parsed flags of "minyi import".
type importOptions struct {
	channel  string
	files    []string
	read     intake.ReadOptions
	dryRun   bool
	json     bool
	progress bool
}

func parseImportFlags(a *app, args []string) (importOptions, error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: minyi import --channel NAME [--map 列名=field,...] [--sheet NAME] [--dry-run] [--json] FILE")
		fmt.Fprintln(a.stderr, "       minyi import --channel NAME [--dry-run] [--json] MAIL.eml... | FOLDER")
		fmt.Fprintln(a.stderr, "\n导入 JSON Lines、CSV（UTF-8、UTF-16、GB18030/GBK）或 .xlsx 文件，或 .eml 邮件（一封一条，文件夹按文件名顺序）。")
		fmt.Fprintln(a.stderr, "Imports a JSON Lines, CSV (UTF-8, UTF-16, GB18030/GBK) or .xlsx file, or .eml mails:")
		fmt.Fprintln(a.stderr, "one item per mail, every *.eml of a FOLDER in name order. Automatic replies and bounces are skipped.")
		fmt.Fprintln(a.stderr, "Stored fields: id, title, body, time, phone, name, place, kind. Label and unmapped columns are read but not stored.")
		fs.PrintDefaults()
	}
	var o importOptions
	var mapSpec string
	fs.StringVar(&o.channel, "channel", "", "channel the items came through, such as 12345 or mailbox (required; 1 to 32 lower-case letters, digits, - or _)")
	fs.StringVar(&mapSpec, "map", "", "map more column names to fields: 列名=field,... (fields: id, title, body, time, phone, name, place, kind, label, extra)")
	fs.StringVar(&o.read.Sheet, "sheet", "", "worksheet of an .xlsx file (default: the first)")
	fs.Int64Var(&o.read.MaxBytes, "max-mb", intake.DefaultMaxBytes>>20, "largest file to read, in MB")
	fs.BoolVar(&o.dryRun, "dry-run", false, "report what would be created and rejected without writing anything")
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
	fs.BoolVar(&o.progress, "progress", true, "show a progress bar on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() == 0 {
		return o, usageError{"import needs a FILE, .eml mails or a folder of them after the flags"}
	}
	o.files = fs.Args()
	if len(o.files) > 1 {
		for _, f := range o.files {
			if !strings.EqualFold(filepath.Ext(f), intake.MailExt) {
				return o, usageError{fmt.Sprintf("import takes several files only as %s mails, not %s; import other files one by one",
					intake.MailExt, f)}
			}
		}
	}
	o.channel = strings.TrimSpace(o.channel)
	if o.channel == "" {
		return o, usageError{"--channel is required"}
	}
	if err := workflow.CheckChannel(o.channel); err != nil {
		return o, usageError{"--channel: " + strings.TrimPrefix(err.Error(), workflow.ErrInvalid.Error()+": ")}
	}
	if o.read.MaxBytes <= 0 {
		return o, usageError{"--max-mb must be positive"}
	}
	o.read.MaxBytes <<= 20
	m, err := intake.ParseMap(mapSpec)
	if err != nil {
		return o, usageError{err.Error()}
	}
	o.read.Map = m
	return o, nil
}

// runImport reads a file of items, or mails, and submits each row through the
// workflow, which tags and dispatches it. A row's id (a hash of a mail's
// Message-ID, or without an id a hash of the row's content) is its external
// id, so importing the same file again creates nothing new. A bad row is
// reported with its line number, or a mail with its file name, and left out.
// An automatic reply or a bounce is counted as skipped. Reasons are masked.
func runImport(ctx context.Context, a *app, args []string) error {
	o, err := parseImportFlags(a, args)
	if err != nil {
		return err
	}
	p, err := a.Profile()
	if err != nil {
		return err
	}
	if p.Location == nil {
		return fmt.Errorf("import: profile %s has no time zone", p.Name)
	}
	var r *intake.Reader
	if len(o.files) == 1 {
		r, err = intake.Open(o.files[0], o.read)
	} else {
		r, err = intake.OpenMail(o.files, o.read)
	}
	if err != nil {
		return err
	}
	file := importFileLabel(o.files)
	a.log.Info("import file read", "file", filepath.Base(file), "format", r.Format(),
		"encoding", r.Encoding(), "records", r.Len(), "dry_run", o.dryRun)

	sum := &importSummary{File: file, Format: r.Format(), Encoding: r.Encoding(), Channel: o.channel,
		DryRun: o.dryRun, Rows: r.Len(), Rejected: []importRejected{}, Skipped: []importSkipped{}}
	sum.Ignored = r.Ignored()
	var sink importSink
	if o.dryRun {
		db, err := a.DB(ctx)
		if err != nil {
			return err
		}
		p, err := a.Profile()
		if err != nil {
			return err
		}
		docs, err := dedup.Load(ctx, db, time.Time{})
		if err != nil {
			return err
		}
		dups := dedup.NewIndex(dedup.Options{})
		for _, d := range docs {
			dups.Add(d)
		}
		sink = &dryRunSink{db: db, prof: p, dups: dups, sum: sum, seen: make(map[string][2]string)}
	} else {
		svc, err := a.Service(ctx)
		if err != nil {
			return err
		}
		sink = serviceSink{svc}
	}

	bar := newImportBar(a.stderr, r.Len(), o.progress && !o.json)
	start := time.Now()
	err = importRows(ctx, r, o.channel, p.Location, sink, sum, bar)
	_ = bar.Finish()
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.RowsPerSecond = float64(sum.Created+sum.Present+len(sum.Rejected)+len(sum.Skipped)) / sum.Seconds
	}
	if errors.Is(err, context.Canceled) {
		sum.Cancelled = true
	}
	// A row that fails to parse is rejected when it is read, one that fails
	// validation when its batch is written, so the list is sorted here.
	slices.SortStableFunc(sum.Rejected, func(a, b importRejected) int { return a.Line - b.Line })
	if printErr := printImportSummary(a.stdout, sum, o.json); printErr != nil && err == nil {
		err = printErr
	}
	return err
}

// importFileLabel names the input in the summary: the one path, or the first
// and the count.
func importFileLabel(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%s … (%d 个文件 files)", files[0], len(files))
}

// importSink receives the valid rows in batches: the workflow, or a dry run
// that only checks for rows already present.
type importSink interface {
	SubmitBatch(ctx context.Context, subs []workflow.Submission) ([]workflow.BatchResult, error)
}

type serviceSink struct{ svc *workflow.Service }

func (s serviceSink) SubmitBatch(ctx context.Context, subs []workflow.Submission) ([]workflow.BatchResult, error) {
	return s.svc.SubmitBatch(ctx, subs)
}

// dryRunSink reports a row as created unless a ticket with its channel and
// external id exists, or an earlier row of the file has the same id. Such a
// row is rejected with workflow.ErrIDReused when its masked text differs, as
// the import would reject it.
// It validates rows as the workflow would, and counts the new rows that the
// duplicate check would link to an open ticket or to an earlier row.
type dryRunSink struct {
	db   *store.DB
	prof *profile.Profile
	dups *dedup.Index
	sum  *importSummary
	seen map[string][2]string // external id → masked title and body of its first row
	next int64                // synthetic ids for rows of the file in the duplicate index
}

func (d *dryRunSink) SubmitBatch(ctx context.Context, subs []workflow.Submission) ([]workflow.BatchResult, error) {
	out := make([]workflow.BatchResult, len(subs))
	for i := range subs {
		sub := subs[i]
		if err := workflow.Validate(d.prof, time.Now(), &sub); err != nil {
			out[i].Err = err
			continue
		}
		created, err := d.submit(ctx, sub)
		if errors.Is(err, workflow.ErrIDReused) {
			out[i].Err = err
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Created = created
		if created {
			d.checkDuplicate(sub)
		}
	}
	return out, nil
}

func (d *dryRunSink) checkDuplicate(sub workflow.Submission) {
	title, _ := privacy.Mask(sub.Title)
	body, _ := privacy.Mask(sub.Body)
	at := sub.ReceivedAt
	if at.IsZero() {
		at = time.Now()
	}
	d.next--
	doc := dedup.Doc{ID: d.next, Text: title + "\n" + body, Place: sub.Place, At: at}
	if len(d.dups.Check(doc)) > 0 {
		d.sum.Similar++
	}
	d.dups.Add(doc)
}

// submit reports whether sub would create a ticket. A row whose external id
// an earlier row or a stored ticket has returns false, with ErrIDReused when
// the text differs.
func (d *dryRunSink) submit(ctx context.Context, sub workflow.Submission) (bool, error) {
	title, _ := privacy.Mask(sub.Title)
	body, _ := privacy.Mask(sub.Body)
	reused := func(where string) error {
		return fmt.Errorf("%w: channel %s, id %q (%s)", workflow.ErrIDReused, sub.Channel, sub.ExternalID, where)
	}
	if sub.ExternalID == "" {
		return true, nil
	}
	if first, ok := d.seen[sub.ExternalID]; ok {
		if !workflow.SameText(first[0], title) || !workflow.SameText(first[1], body) {
			return false, reused("an earlier row of the file")
		}
		return false, nil
	}
	d.seen[sub.ExternalID] = [2]string{title, body}
	// NOTE: this reads the tickets table directly because workflow exports no
	// lookup by external id; it mirrors the check at the start of Submit.
	var storedTitle, storedBody string
	err := d.db.QueryRowContext(ctx, `SELECT title, body FROM tickets WHERE channel = ? AND external_id = ?`,
		sub.Channel, sub.ExternalID).Scan(&storedTitle, &storedBody)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("import: dry run: look up external id: %w", err)
	case !workflow.SameText(storedTitle, title) || !workflow.SameText(storedBody, body):
		return false, reused("a stored ticket")
	}
	return false, nil
}

// importBatch is how many rows go into one transaction: large enough that
// the commit's fsync is shared by many rows, small enough that a crash loses
// little work and a retry repeats little.
const importBatch = 200

// importRows submits every row of r in batches. It stops at the first error
// that is not about a single row, such as a lost database connection. Rows
// submitted before that error stay, and running the import again skips them.
func importRows(ctx context.Context, r *intake.Reader, channel string, loc *time.Location,
	sink importSink, sum *importSummary, bar *progressbar.ProgressBar) error {
	var subs []workflow.Submission
	var lines []int
	reject := func(line int, err error) {
		sum.Rejected = append(sum.Rejected, importRejected{Line: line, File: r.Source(line),
			Reason: maskReason(err.Error())})
	}
	flush := func() error {
		if len(subs) == 0 {
			return nil
		}
		results, err := sink.SubmitBatch(ctx, subs)
		if err != nil {
			return fmt.Errorf("import: lines %d–%d: %w", lines[0], lines[len(lines)-1], err)
		}
		for i, res := range results {
			switch {
			case res.Err != nil:
				reject(lines[i], res.Err)
			case res.Created:
				sum.Created++
			default:
				sum.Present++
			}
		}
		_ = bar.Add(len(subs))
		subs, lines = subs[:0], lines[:0]
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return flush()
		}
		var rowErr *intake.RowError
		if errors.As(err, &rowErr) {
			_ = bar.Add(1)
			reject(rowErr.Line, rowErr.Err)
			continue
		}
		var skip *intake.SkipError
		if errors.As(err, &skip) {
			_ = bar.Add(1)
			sum.Skipped = append(sum.Skipped, importSkipped{Line: skip.Line, File: r.Source(skip.Line),
				Reason: skip.Reason, Detail: maskReason(skip.Detail)})
			continue
		}
		if err != nil {
			return err
		}
		sub := workflow.Submission{Channel: channel, ExternalID: row.Key(), Kind: row.Kind, Title: row.Title,
			Body: row.Body, Place: row.Place, Phone: row.Phone, Name: row.Name}
		if workflow.ValidatePhone(sub.Phone) != nil {
			sum.PhonesDropped = append(sum.PhonesDropped, row.Line)
			sub.Phone = ""
		}
		if row.Time != "" {
			at, err := intake.ParseTime(row.Time, loc)
			if err != nil {
				_ = bar.Add(1)
				reject(row.Line, err)
				continue
			}
			sub.ReceivedAt = at
		}
		subs = append(subs, sub)
		lines = append(lines, row.Line)
		if len(subs) >= importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// maskReason returns text with the personal data that privacy.Mask finds
// replaced by placeholders. Rejection reasons and skip details can quote a
// record's content, such as a time value, a malformed mail header line or a
// subject, and the summary ends up in logs.
func maskReason(text string) string {
	masked, _ := privacy.Mask(text)
	return masked
}

// newImportBar returns a progress bar with rows per second on w, or a silent
// one when show is false.
func newImportBar(w io.Writer, total int, show bool) *progressbar.ProgressBar {
	if !show {
		return progressbar.DefaultSilent(int64(total))
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("导入 import"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

func printImportSummary(w io.Writer, sum *importSummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	var b strings.Builder
	if sum.DryRun {
		b.WriteString("试运行，未写入任何数据 (dry run: nothing was written)\n")
	}
	if sum.Cancelled {
		b.WriteString("导入被中断 (import interrupted); 再次运行会跳过已导入的行 (running it again skips imported rows)\n")
	}
	fmt.Fprintf(&b, "文件 file: %s (%s, 编码 encoding: %s)\n", sum.File, sum.Format, sum.Encoding)
	created := "新建 created"
	if sum.DryRun {
		created = "将新建 would create"
	}
	fmt.Fprintf(&b, "%s: %d\n", created, sum.Created)
	fmt.Fprintf(&b, "已存在 already present: %d\n", sum.Present)
	if sum.DryRun {
		fmt.Fprintf(&b, "将提示合并 would be suggested for merging: %d\n", sum.Similar)
	}
	fmt.Fprintf(&b, "拒绝 rejected: %d\n", len(sum.Rejected))
	for i, rej := range sum.Rejected {
		if i == maxRejectedShown {
			fmt.Fprintf(&b, "  … 另有 %d 行 (%d more; use --json for all)\n", len(sum.Rejected)-i, len(sum.Rejected)-i)
			break
		}
		if rej.File != "" {
			fmt.Fprintf(&b, "  文件 file %s: %s\n", rej.File, rej.Reason)
			continue
		}
		fmt.Fprintf(&b, "  第 %d 行 line %d: %s\n", rej.Line, rej.Line, rej.Reason)
	}
	writeSkipped(&b, sum.Skipped)
	if n := len(sum.Ignored); n > 0 {
		names := sum.Ignored[:min(n, maxRejectedShown)]
		more := ""
		if n > len(names) {
			more = ", …"
		}
		fmt.Fprintf(&b, "忽略 ignored: %d 个未读取的文件或子文件夹 (files that are not .eml mails, and sub-folders): %s%s\n",
			n, strings.Join(names, ", "), more)
	}
	if n := len(sum.PhonesDropped); n > 0 {
		shown := make([]string, 0, maxRejectedShown+1)
		for _, line := range sum.PhonesDropped[:min(n, maxRejectedShown)] {
			shown = append(shown, strconv.Itoa(line))
		}
		if n > maxRejectedShown {
			shown = append(shown, "…")
		}
		text := strings.Join(shown, ", ")
		fmt.Fprintf(&b, "电话无效、未保存电话 phone not usable, kept without it: %d (第 lines %s)\n", n, text)
	}
	fmt.Fprintf(&b, "用时 time: %.1f s (%.0f rows/s)\n", sum.Seconds, sum.RowsPerSecond)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSkipped writes the count of skipped records with a count per reason,
// such as "跳过 skipped: 2 (自动回复 auto-reply: 1, 退信 bounce: 1)", and then
// the records one by one. It writes nothing when no record was skipped, as
// only mails are.
func writeSkipped(b *strings.Builder, skipped []importSkipped) {
	if len(skipped) == 0 {
		return
	}
	var reasons []string
	counts := make(map[string]int)
	for _, s := range skipped {
		if counts[s.Reason] == 0 {
			reasons = append(reasons, s.Reason)
		}
		counts[s.Reason]++
	}
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = fmt.Sprintf("%s: %d", skipLabel(reason), counts[reason])
	}
	fmt.Fprintf(b, "跳过 skipped: %d (%s)\n", len(skipped), strings.Join(parts, ", "))
	for i, s := range skipped {
		if i == maxRejectedShown {
			fmt.Fprintf(b, "  … 另有 %d 个 (%d more; use --json for all)\n", len(skipped)-i, len(skipped)-i)
			break
		}
		fmt.Fprintf(b, "  文件 file %s: %s (%s)\n", s.File, skipLabel(s.Reason), s.Detail)
	}
}

func skipLabel(reason string) string {
	if text, ok := skipReasonText[reason]; ok {
		return text
	}
	return reason
}
