package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // profile zones must load on hosts without zoneinfo

	"minyi/kpi"
	"minyi/store"
)

const kpiUsage = `用法 usage: minyi kpi [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--unit ID|PATH]
       minyi kpi --rebuild

打印 KPI。日期是配置时区中的日历日，含首尾；--unit 只统计该单位及其下级单位。
--rebuild 按配置时区从全部工单重建 KPI 汇总表；升级到带汇总表的版本后、导入旧数据后
或修改时区后运行一次。汇总表未建立时，KPI 逐条扫描工单计算，结果相同但较慢。
Prints the KPIs. Dates are calendar days in the profile's time zone, both inclusive;
--unit keeps only tickets of that unit and the units below it.
--rebuild recomputes the KPI rollup tables from every ticket, with days in the
profile's time zone. Run it once after upgrading to the release that adds them,
after loading old data, and after changing the zone. Until then the KPIs scan
the tickets: the same figures, more slowly.`

// runKPI runs "minyi kpi".
func runKPI(ctx context.Context, a *app, args []string) error {
	var asJSON, rebuild bool
	var from, to, unit string
	fs := flag.NewFlagSet("kpi", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.BoolVar(&asJSON, "json", false, "输出 JSON print JSON instead of a table")
	fs.BoolVar(&rebuild, "rebuild", false, "重建 KPI 汇总表 recompute the KPI rollups from every ticket, then exit")
	fs.StringVar(&from, "from", "", "起始日期 first day, YYYY-MM-DD in the profile's zone (default: no lower bound)")
	fs.StringVar(&to, "to", "", "截止日期 last day, YYYY-MM-DD in the profile's zone (default: no upper bound)")
	fs.StringVar(&unit, "unit", "", "单位 id，或以 / 开头的单位路径 unit id, or a unit path starting with /")
	fs.Usage = func() { fmt.Fprintln(a.stderr, kpiUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("多余的参数 unexpected arguments: %v", fs.Args())}
	}
	if rebuild && (asJSON || from != "" || to != "" || unit != "") {
		return usageError{"--rebuild 不能与其他参数同用 takes no other flags"}
	}

	p, err := a.Profile()
	if err != nil {
		return err
	}
	f := kpi.Filter{Loc: p.Location}
	if f.Loc == nil {
		if f.Loc, err = loadZone(p.TimeZone); err != nil {
			return err
		}
	}
	if f.From, err = parseDay("--from", from, f.Loc); err != nil {
		return err
	}
	if f.To, err = parseDay("--to", to, f.Loc); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return usageError{fmt.Sprintf("--to %s 早于 --from %s: the last day is before the first day", to, from)}
	}

	db, err := a.DB(ctx)
	if err != nil {
		return err
	}
	if rebuild {
		return rebuildKPI(ctx, a, db, f.Loc)
	}
	if f.UnitPath, err = unitPath(ctx, db, unit); err != nil {
		return err
	}
	r, err := kpi.Compute(ctx, db, f)
	if err != nil {
		return err
	}
	zone, err := kpi.RollupZone(ctx, db)
	if err != nil {
		return err
	}
	if zone != f.Loc.String() {
		fmt.Fprintf(a.stderr, "注意 note: KPI 汇总表未按时区 %s 建立，本次逐条扫描工单；运行 minyi kpi --rebuild 可加快。\n"+
			"The KPI rollups are not built in zone %s, so the figures come from scanning the tickets; "+
			"run \"minyi kpi --rebuild\" to speed them up.\n", f.Loc, f.Loc)
	}

	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printKPITable(a.stdout, r, f, from, to)
	return nil
}

// rebuildKPI runs "minyi kpi --rebuild".
func rebuildKPI(ctx context.Context, a *app, db *store.DB, loc *time.Location) error {
	start := time.Now()
	res, err := kpi.Rebuild(ctx, db, loc)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已重建 rebuilt %d 行汇总 rollup rows from %d 张工单 tickets and %d 次回访 call-backs"+
		" (%s) in %s\n", res.Rows, res.Tickets, res.Callbacks, loc, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadZone loads the profile's IANA zone, Asia/Shanghai when it names none.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		name = kpi.DefaultZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("kpi: profile time zone %q: %w", name, err)
	}
	return loc, nil
}

func parseDay(flagName, s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := kpi.ParseDay(s, loc)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("%s %q 不是 %s 至 %s 之间的日期 is not a day from %s to %s: use YYYY-MM-DD",
			flagName, s, kpi.FirstDay, kpi.LastDay, kpi.FirstDay, kpi.LastDay)}
	}
	return t, nil
}

// unitPath turns --unit into a unit path. A value starting with / is taken as
// a path already.
func unitPath(ctx context.Context, q store.Querier, unit string) (string, error) {
	if unit == "" || strings.HasPrefix(unit, "/") {
		return unit, nil
	}
	var path string
	err := q.QueryRowContext(ctx, "SELECT path FROM units WHERE id = ?", unit).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", usageError{fmt.Sprintf("--unit %q: 找不到该单位 unit not found", unit)}
	}
	if err != nil {
		return "", fmt.Errorf("kpi: unit %q: %w", unit, err)
	}
	return path, nil
}

func printKPITable(w io.Writer, r kpi.Report, f kpi.Filter, from, to string) {
	if from == "" {
		from = "…"
	}
	if to == "" {
		to = "…"
	}
	scope := "全部单位 all units"
	if f.UnitPath != "" {
		scope = "单位 unit " + f.UnitPath
	}
	fmt.Fprintf(w, "日期 dates %s – %s (%s), %s\n\n", from, to, f.Loc, scope)

	rates := []struct {
		label string
		rate  *float64
		parts string
	}{
		{"回访率 callback_rate", r.CallbackRate, ratioText(r.Parts.Callback)},
		{"整改率 rectification_rate", r.RectificationRate, ratioText(r.Parts.Rectification)},
		{"按时签收率 response_rate", r.ResponseRate, ratioText(r.Parts.Response)},
		{"日办结率 daily_completion_rate", r.DailyCompletionRate,
			fmt.Sprintf("%d 天 days", len(r.Parts.DailyCompletion.Days))},
		{"满意率 satisfaction_rate", r.SatisfactionRate, ratioText(r.Parts.Satisfaction)},
	}
	for _, row := range rates {
		fmt.Fprintf(w, "%s %8s  %s\n", padRight(row.label, 34), percentText(row.rate), row.parts)
	}

	c := r.Counts
	fmt.Fprintf(w, "\n受理 received %d · 结案 closed %d · 未结 open %d · 超期 overdue %d\n\n",
		c.Received, c.Closed, c.Open, c.Overdue)

	fmt.Fprintf(w, "%s %6s %8s %8s %8s\n", padRight("办理时长（小时） cycle_hours", 40), "n", "mean", "p50", "p90")
	s := r.CycleHours.Stages
	cycles := []struct {
		label string
		stats kpi.Stats
	}{
		{"全流程 received_to_closed", r.CycleHours.Stats},
		{"  受理→派单 received_to_dispatched", s.ReceivedToDispatched},
		{"  派单→签收 dispatched_to_accepted", s.DispatchedToAccepted},
		{"  签收→办结 accepted_to_replied", s.AcceptedToReplied},
		{"  办结→审核 replied_to_reviewed", s.RepliedToReviewed},
		{"  审核→回访 reviewed_to_called_back", s.ReviewedToCalledBack},
		{"  回访→结案 called_back_to_closed", s.CalledBackToClosed},
	}
	for _, row := range cycles {
		fmt.Fprintf(w, "%s %6d %8s %8s %8s\n", padRight(row.label, 40), row.stats.Count,
			hoursText(row.stats.Mean), hoursText(row.stats.P50), hoursText(row.stats.P90))
	}
}

func ratioText(r kpi.Ratio) string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

func percentText(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func hoursText(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *v)
}

// padRight pads s with spaces to n terminal columns, counting CJK characters
// and full-width punctuation as two columns.
func padRight(s string, n int) string {
	cols := 0
	for _, r := range s {
		cols++
		if r >= 0x2E80 {
			cols++
		}
	}
	if cols >= n {
		return s
	}
	return s + strings.Repeat(" ", n-cols)
}
