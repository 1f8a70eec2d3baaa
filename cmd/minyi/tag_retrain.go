package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"minyi/classify"
	"minyi/store"
)

// parseTagSubFlags parses the flags of retrain, rollback and list: --head
// always, and whatever extra registers.
func parseTagSubFlags(a *app, name string, args []string, extra func(fs *flag.FlagSet)) (string, error) {
	fs := flag.NewFlagSet("tag "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	head := fs.String("head", "tag", "模型头：预测什么 the head, what the model predicts (tag, kind, …)")
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() { fmt.Fprintln(a.stderr, tagUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return "", usageError{fmt.Sprintf("多余的参数 unexpected arguments: %v", fs.Args())}
	}
	if err := checkHead(*head); err != nil {
		return "", err
	}
	return *head, nil
}

func runTagRetrain(ctx context.Context, a *app, args []string) error {
	var (
		base, method string
		anyLabels    bool
	)
	head, err := parseTagSubFlags(a, "retrain", args, func(fs *flag.FlagSet) {
		fs.StringVar(&base, "base", "", "基础训练文件，JSON Lines base training file (required)")
		fs.StringVar(&method, "method", classify.DefaultMethod,
			"训练方法 training method: "+classify.MethodLinear+" or "+classify.MethodNB)
		fs.BoolVar(&anyLabels, "any-labels", false, anyLabelsUsage)
	})
	if err != nil {
		return err
	}
	if base == "" {
		return usageError{"缺少 --base FILE: missing the base training file"}
	}
	examples, err := readTagExamples(a, base)
	if err != nil {
		return err
	}
	if !anyLabels {
		if err := checkProfileLabels(a, head, examples); err != nil {
			return err
		}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	r, err := classify.Retrain(ctx, db, head, examples, classify.Options{Method: method})
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	logRetrain(ctx, a, r)
	return printTagJSON(a, retrainSummary(r))
}

// retrainSummary collects what retrain prints: both figures and whether the candidate was promoted.
func retrainSummary(r classify.RetrainResult) map[string]any {
	return map[string]any{
		"head": r.Head, "version": r.Version, "previous": r.Previous, "promoted": r.Promoted, "reason": r.Reason,
		"rows": r.Rows, "corrections": r.Corrections, "held_out": r.HeldOut, "train_seconds": r.TrainSeconds,
		"candidate_macro_f1": r.Candidate.MacroF1, "candidate_accuracy": r.Candidate.Accuracy,
		"current_macro_f1": r.Current.MacroF1, "current_accuracy": r.Current.Accuracy,
		"base_check": r.BaseCheck,
	}
}

// logRetrain logs the outcome of a retraining, as a warning when the
// candidate was not promoted.
func logRetrain(ctx context.Context, a *app, r classify.RetrainResult) {
	level, msg := slog.LevelInfo, "tagging model retrained"
	if !r.Promoted {
		level, msg = slog.LevelWarn, "tagging model retrained, candidate not promoted"
	}
	a.log.Log(ctx, level, msg, "head", r.Head, "version", r.Version, "previous", r.Previous,
		"promoted", r.Promoted, "reason", r.Reason, "candidate_macro_f1", r.Candidate.MacroF1,
		"current_macro_f1", r.Current.MacroF1, "corrections", r.Corrections, "held_out", r.HeldOut)
}

func runTagRollback(ctx context.Context, a *app, args []string) error {
	var (
		to    int
		flags *flag.FlagSet
	)
	head, err := parseTagSubFlags(a, "rollback", args, func(fs *flag.FlagSet) {
		flags = fs
		fs.IntVar(&to, "to", 0, "要启用的版本，可以比当前版本新；默认为当前版本的前一个 "+
			"version to activate, older or newer than the active one (default: the one before the active version)")
	})
	if err != nil {
		return err
	}
	// 0 is the flag's default, which means "the version before the active
	// one", so an explicit --to 0 is distinguished by whether the flag was set.
	toGiven := false
	flags.Visit(func(f *flag.Flag) { toGiven = toGiven || f.Name == "to" })
	if toGiven && to <= 0 {
		return usageError{fmt.Sprintf("--to %d: 必须是正整数 must be a positive version number; "+
			"omit --to to activate the version before the active one", to)}
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	from, err := classify.ActiveVersion(ctx, db, head)
	if err != nil && !errors.Is(err, classify.ErrNoModel) {
		return err
	}
	version, err := classify.Rollback(ctx, db, head, to)
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "tagging model rolled back", "head", head, "from", from, "to", version)
	return printTagJSON(a, map[string]any{"head": head, "from": from, "active": version})
}

func runTagList(ctx context.Context, a *app, args []string) error {
	head, err := parseTagSubFlags(a, "list", args, nil)
	if err != nil {
		return err
	}
	// An explicit --head lists that head; without it, every head.
	if !tagFlagGiven(args, "head") {
		head = ""
	}
	loc := time.UTC
	if p, err := a.Profile(); err == nil && p.Location != nil {
		loc = p.Location
	}
	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	versions, err := classify.Versions(ctx, db, head)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		fmt.Fprintln(a.stderr, "没有已存的模型 no stored models; train one with minyi tag train")
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "头 head\t版本 version\t方法 method\t创建 created\t启用 active\t评估行 rows\t准确率 accuracy\tmacro-F1")
	for _, v := range versions {
		active := ""
		if v.Active {
			active = "*"
		}
		fmt.Fprintf(w, "%s\tv%d\t%s\t%s\t%s\t%d\t%.4f\t%.4f\n", v.Head, v.Version, v.Method,
			v.CreatedAt.In(loc).Format("2006-01-02 15:04"), active, v.Metrics.Rows, v.Metrics.Accuracy, v.Metrics.MacroF1)
	}
	return w.Flush()
}

// tagFlagGiven reports whether args set the flag name.
func tagFlagGiven(args []string, name string) bool {
	for _, arg := range args {
		arg = strings.TrimLeft(arg, "-")
		if arg == name || strings.HasPrefix(arg, name+"=") {
			return true
		}
	}
	return false
}

// Environment variables of the scheduled retraining in minyi serve.
const (
	// envRetrainEvery is the interval between scheduled retrainings, a Go
	// duration such as 24h; empty or 0 turns them off (the default).
	envRetrainEvery = "MINYI_RETRAIN_EVERY"
	// envRetrainBase names each head's base training file, as
	// "tag=FILE,kind=FILE". Only the heads listed are retrained.
	envRetrainBase = "MINYI_RETRAIN_BASE"
)

// retrainSchedule reads the retraining interval and base files from the
// environment. It returns interval 0 when scheduled retraining is off.
func retrainSchedule() (time.Duration, map[string]string, error) {
	every := strings.TrimSpace(os.Getenv(envRetrainEvery))
	if every == "" || every == "0" {
		return 0, nil, nil
	}
	d, err := time.ParseDuration(every)
	if err != nil || d < time.Minute {
		return 0, nil, fmt.Errorf("%s=%q: want a duration of at least 1m, such as 24h", envRetrainEvery, every)
	}
	bases := map[string]string{}
	for _, pair := range strings.Split(os.Getenv(envRetrainBase), ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		head, file, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(head) == "" || strings.TrimSpace(file) == "" {
			return 0, nil, fmt.Errorf("%s: %q is not HEAD=FILE", envRetrainBase, pair)
		}
		bases[strings.TrimSpace(head)] = strings.TrimSpace(file)
	}
	if len(bases) == 0 {
		return 0, nil, fmt.Errorf("%s is set but %s names no HEAD=FILE", envRetrainEvery, envRetrainBase)
	}
	return d, bases, nil
}

// retrainLoop retrains the configured heads every interval until ctx ends.
// It does nothing when scheduled retraining is off, and logs a bad setting
// instead of stopping the server.
// NOTE: with several core processes on one PostgreSQL database each one
// retrains; set the interval on one of them only.
func retrainLoop(ctx context.Context, a *app) {
	every, bases, err := retrainSchedule()
	if err != nil {
		a.log.ErrorContext(ctx, "scheduled retraining is off", "error", err)
		return
	}
	if every == 0 {
		return
	}
	a.log.InfoContext(ctx, "scheduled retraining on", "every", every.String(), "heads", len(bases))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		retrainScheduled(ctx, a, bases)
	}
}

// retrainScheduled runs one scheduled retraining of every head in bases,
// logging each outcome and each error instead of returning it. A base file
// that fails the checks of tag retrain trains nothing.
func retrainScheduled(ctx context.Context, a *app, bases map[string]string) {
	db, err := a.DB(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "scheduled retraining failed", "error", err)
		return
	}
	for head, file := range bases {
		err := retrainHead(ctx, a, db, head, file)
		if err != nil && ctx.Err() == nil {
			a.log.WarnContext(ctx, "scheduled retraining failed", "head", head, "base", file, "error", err)
		}
	}
}

// retrainHead retrains head on the base file as tag retrain does without
// --any-labels, and logs the outcome.
func retrainHead(ctx context.Context, a *app, db *store.DB, head, file string) error {
	examples, err := readTagExamples(a, file)
	if err != nil {
		return err
	}
	if err := checkProfileLabels(a, head, examples); err != nil {
		return err
	}
	r, err := classify.Retrain(ctx, db, head, examples, classify.Options{})
	if err != nil {
		return err
	}
	logRetrain(ctx, a, r)
	return nil
}
