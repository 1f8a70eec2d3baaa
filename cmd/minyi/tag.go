package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"minyi/classify"
)

const tagUsage = `用法 usage: minyi tag train --in FILE [--head NAME] [--method linear|nb] [--all] [--any-labels]
       minyi tag eval  --in FILE [--head NAME] [--all]
       minyi tag retrain --base FILE [--head NAME] [--method linear|nb] [--any-labels]
       minyi tag rollback [--head NAME] [--to VERSION]
       minyi tag list [--head NAME]

train  用 FILE 中未留出的行训练模型，存为该 head 的新版本并启用
       trains on the rows of FILE outside the held-out fifth, stores a new version and activates it
eval   用 FILE 中留出的五分之一评估该 head 当前启用的模型
       evaluates the head's active model on the held-out fifth of FILE
retrain 用 FILE 加上工作人员的更正训练新版本，在留出集上不差于当前版本才启用
       trains a new version on FILE plus staff corrections and activates it only
       if its macro-F1 on the held-out fifth of both is not below the active one's,
       and the active one scores on FILE's held-out fifth close to its recorded figure
rollback 启用 --to 指定的版本（可以比当前版本新），默认为当前版本的前一个
       activates version --to, older or newer than the active one
       (default: the one before the active version)
list   列出各版本及其评估指标，不带 --head 时列出所有头
       lists the stored versions with their figures, of every head without --head

train and retrain reject labels that are not kinds of the profile (--head kind)
or tags of its tag tree (--head tag), because the service never applies such a
prediction to a ticket. --any-labels accepts them, for evaluation experiments.

FILE is JSON Lines with "title" and/or "body" and "label". A row is held out when
classify.HeldOut(text) is true: the FNV-1a hash of its normalised text is divisible by 5.`

// runTag runs "minyi tag SUBCOMMAND".
func runTag(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(a.stderr, tagUsage)
		return usageError{"缺少子命令 missing subcommand: train, eval, retrain, rollback or list"}
	}
	switch args[0] {
	case "train":
		return runTagTrain(ctx, a, args[1:])
	case "eval":
		return runTagEval(ctx, a, args[1:])
	case "retrain":
		return runTagRetrain(ctx, a, args[1:])
	case "rollback":
		return runTagRollback(ctx, a, args[1:])
	case "list":
		return runTagList(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(a.stdout, tagUsage)
		return nil
	}
	return usageError{fmt.Sprintf("未知子命令 unknown subcommand %q: use train, eval, retrain, rollback or list", args[0])}
}

// tagFlags are the flags train and eval share.
type tagFlags struct {
	in, head, method string
	all, anyLabels   bool
}

func parseTagFlags(a *app, name string, args []string, withMethod bool) (tagFlags, error) {
	var f tagFlags
	fs := flag.NewFlagSet("tag "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.StringVar(&f.in, "in", "", "输入文件，JSON Lines input file (required)")
	fs.StringVar(&f.head, "head", "tag", "模型头：预测什么 the head, what the model predicts (tag, kind, …)")
	if withMethod {
		fs.StringVar(&f.method, "method", classify.DefaultMethod,
			"训练方法 training method: "+classify.MethodLinear+" (linear SVM by SGD) or "+classify.MethodNB+" (naive Bayes)")
		fs.BoolVar(&f.all, "all", false, "用全部行训练，不留出 train on every row, holding none out")
		fs.BoolVar(&f.anyLabels, "any-labels", false, anyLabelsUsage)
	} else {
		fs.BoolVar(&f.all, "all", false, "用全部行评估，不只留出部分 evaluate on every row, not only the held-out fifth")
	}
	fs.Usage = func() { fmt.Fprintln(a.stderr, tagUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, err
		}
		return f, usageError{err.Error()}
	}
	if err := checkHead(f.head); err != nil {
		return f, err
	}
	if f.in == "" {
		return f, usageError{"缺少 --in FILE: missing the input file"}
	}
	if fs.NArg() > 0 {
		return f, usageError{fmt.Sprintf("多余的参数 unexpected arguments: %v", fs.Args())}
	}
	return f, nil
}

// tagHeads are the heads the service predicts with. A model of another head
// would be stored and activated but never used.
var tagHeads = []string{"tag", "kind"}

// checkHead returns a usage error unless head is one of tagHeads.
func checkHead(head string) error {
	if !slices.Contains(tagHeads, head) {
		return usageError{fmt.Sprintf("--head %q: 未知的模型头 unknown head; the service uses %s", head,
			strings.Join(tagHeads, " and "))}
	}
	return nil
}

// anyLabelsUsage is the help text of --any-labels.
const anyLabelsUsage = "接受配置之外的标签，仅供评估实验 accept labels that are not kinds or tags of the profile, " +
	"for evaluation experiments; the service ignores such predictions"

// checkProfileLabels returns an error naming the labels of examples that the
// profile does not allow for head: kinds of the profile for head "kind", tags
// of its tag tree for head "tag". The workflow never applies such a
// prediction to a ticket. Other heads are not checked.
func checkProfileLabels(a *app, head string, examples []classify.Example) error {
	if head != "kind" && head != "tag" {
		return nil
	}
	p, err := a.Profile()
	if err != nil {
		return err
	}
	var outside []string
	for label := range classify.LabelCounts(examples) {
		known := slices.Contains(p.Kinds, label)
		if head == "tag" {
			_, known = p.Tag(label)
		}
		if !known {
			outside = append(outside, label)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	sort.Strings(outside)
	what := "kinds"
	if head == "tag" {
		what = "tags"
	}
	return fmt.Errorf("标签不在配置中 labels outside the profile: %s are not %s of profile %q, and the service "+
		"would not apply them to tickets; fix the labels, or pass --any-labels for an evaluation experiment",
		strings.Join(outside, ", "), what, a.cfg.Profile)
}

// readTagExamples reads a labelled JSON Lines file.
func readTagExamples(a *app, path string) ([]classify.Example, error) {
	fmt.Fprintf(a.stderr, "读取 reading %s\n", path)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	examples, err := classify.ReadJSONL(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return examples, nil
}

func runTagTrain(ctx context.Context, a *app, args []string) error {
	f, err := parseTagFlags(a, "train", args, true)
	if err != nil {
		return err
	}
	examples, err := readTagExamples(a, f.in)
	if err != nil {
		return err
	}
	if err := checkProfileLabels(a, f.head, examples); err != nil {
		if !f.anyLabels {
			return err
		}
		// The model becomes active, and the service drops every prediction
		// outside the profile, so a live database loses its kinds or tags.
		fmt.Fprintf(a.stderr, "注意 warning: %v\n  this model becomes the active %s model, and the service ignores "+
			"its labels that the profile lacks, so new tickets get none from it; train experiments on a "+
			"database of their own (--db) and roll back here with minyi tag rollback --head %s\n", err, f.head, f.head)
	}

	train, held := classify.Split(examples)
	if f.all {
		train, held = examples, nil
	}
	fmt.Fprintf(a.stderr, "训练 training %s on %d rows (%d held out)\n", f.method, len(train), len(held))
	start := time.Now()
	m, err := classify.Train(train, classify.Options{Method: f.method, Progress: func(stage string, done, total int) {
		fmt.Fprintf(a.stderr, "  %s %d/%d\n", stage, done, total)
	}})
	if err != nil {
		return err
	}
	took := time.Since(start)

	var report classify.Report
	if len(held) > 0 {
		report = classify.Evaluate(m, held)
	}

	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	version, err := classify.Save(ctx, db, f.head, m, report)
	if err != nil {
		return err
	}
	a.log.Info("tagging model trained", "head", f.head, "version", version, "method", m.Method, "rows", len(train))
	return printTagJSON(a, map[string]any{
		"head":              f.head,
		"version":           version,
		"method":            m.Method,
		"labels":            m.Labels,
		"rows":              len(train),
		"held_out":          len(held),
		"train_seconds":     took.Seconds(),
		"lambda":            m.Lambda,
		"temperature":       m.Temperature,
		"held_out_accuracy": report.Accuracy,
		"held_out_macro_f1": report.MacroF1,
	})
}

func runTagEval(ctx context.Context, a *app, args []string) error {
	f, err := parseTagFlags(a, "eval", args, false)
	if err != nil {
		return err
	}
	examples, err := readTagExamples(a, f.in)
	if err != nil {
		return err
	}

	rows := examples
	if !f.all {
		_, rows = classify.Split(examples)
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	m, version, err := classify.LoadActive(ctx, db, f.head)
	if errors.Is(err, classify.ErrNoModel) {
		return fmt.Errorf("没有启用的 %s 模型，请先运行 minyi tag train --head %s: %w", f.head, f.head, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "评估 evaluating %s on %d rows\n", classify.Source(f.head, version), len(rows))
	warnUnknownLabels(a, m, version, rows)
	report := classify.Evaluate(m, rows)
	return printTagJSON(a, struct {
		Head    string `json:"head"`
		Version int    `json:"version"`
		Method  string `json:"method"`
		classify.Report
	}{f.head, version, m.Method, report})
}

// warnUnknownLabels writes a warning to stderr naming the labels of rows
// that m was not trained on. Rows with such labels count as wrong, so a file
// labelled with another label set scores macro-F1 0.
func warnUnknownLabels(a *app, m *classify.Model, version int, rows []classify.Example) {
	unknown := classify.UnknownLabels(m, rows)
	if len(unknown) == 0 {
		return
	}
	counts := classify.LabelCounts(rows)
	n := 0
	for _, l := range unknown {
		n += counts[l]
	}
	fmt.Fprintf(a.stderr, "警告 warning: v%d was not trained on labels %s of %d of the %d rows, which count as wrong; its labels are %s\n",
		version, strings.Join(unknown, ", "), n, len(rows), strings.Join(m.Labels, ", "))
	if n == len(rows) && len(rows) > 0 {
		fmt.Fprintf(a.stderr, "警告 warning: the file shares no label with v%d; check --head and the file\n", version)
	}
}

func printTagJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
