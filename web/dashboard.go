package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"minyi/hot"
	"minyi/kpi"
	"minyi/org"
	"minyi/store"
	"minyi/ticket"
	"minyi/workflow"
)

// Limits of the dashboard's breakdowns.
const (
	dashboardDefaultDays = 30 // the range shown when none is chosen, ending today
	dashboardMaxUnits    = 40 // units ranked, each with its own kpi.Compute
	dashboardTopN        = 15 // bars in the unit and tag charts
	risingMinGain        = 3  // tickets a tag must gain to count as rising
)

// dashboardKPIs are the figures of the KPI table: the JSON key of kpi.Report
// and the unit. The label is the text "kpi.KEY". The values come from
// kpi.Compute and nothing else.
var dashboardKPIs = []struct{ key, unit string }{
	{"satisfaction_rate", "%"},
	{"callback_rate", "%"},
	{"rectification_rate", "%"},
	{"response_rate", "%"},
	{"daily_completion_rate", "%"},
	{"counts.received", ""},
	{"counts.closed", ""},
	{"counts.open", ""},
	{"counts.overdue", ""},
	{"cycle_hours.mean", "h"},
	{"cycle_hours.p90", "h"},
}

// kpiPeriod is one column of the KPI table.
type kpiPeriod struct {
	Key, Label, Range string
	from, to          time.Time
	report            kpi.Report
}

type kpiCell struct {
	Period string
	Text   string // as shown
	Value  string // the value as `minyi kpi --json` prints it
}

type kpiRow struct {
	Key, Label string
	Cells      []kpiCell
}

// unitRank is one row of the unit ranking. The figures of a unit with units
// below it (Parent) cover its whole subtree, as kpi.Filter.UnitPath does.
type unitRank struct {
	Rank                                              int
	Name                                              string
	Parent                                            bool
	Received, Closed                                  int64
	Satisfaction, Response, DailyCompletion, Callback string
	satisfaction                                      *float64
}

type risingTag struct {
	Tag               string
	Current, Previous int64
	Gain              string
}

type dashboardData struct {
	frameData
	From, To  string
	Units     []pickOption
	ScopeName string
	Periods   []kpiPeriod
	KPIRows   []kpiRow
	Ranks     []unitRank
	Rising    []risingTag
	Hot       []hot.Issue // the largest groups of items about one problem in the range
	PrevRange string
	Charts    dashboardCharts
}

// dashboardCharts is the data of the ECharts charts, embedded in the page as
// JSON.
type dashboardCharts struct {
	Labels   chartLabels  `json:"labels"`
	Dates    []string     `json:"dates"`
	Received []int64      `json:"received"`
	Closed   []int64      `json:"closed"`
	Units    []namedCount `json:"units"`
	Channels []namedCount `json:"channels"`
	Tags     []namedCount `json:"tags"`
}

// chartLabels are the names of the trend chart's series in the page's language.
type chartLabels struct {
	Received string `json:"received"`
	Closed   string `json:"closed"`
}

type namedCount struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	d := dashboardData{frameData: s.pageFrame(w, r, acct, "dashboard")}
	d.Charts.Labels = chartLabels{Received: d.T("dash.received"), Closed: d.T("dash.closed")}
	today, from, to, unit := s.parseDashboardForm(r, acct, &d)
	d.From, d.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	d.Units = s.scopedUnitOptions(acct, unit)
	if d.Error != "" {
		s.renderSearchPage(w, r, http.StatusBadRequest, "dashboard", d)
		return
	}

	scope := ""
	d.ScopeName = d.T("dash.all_units")
	if unit != "" {
		scope, d.ScopeName = s.prof.UnitPath(unit), s.searchUnitName(unit)
	}
	if err := s.fillDashboard(r.Context(), &d, scope, today, from, to); err != nil {
		s.pageError(w, r, err)
		return
	}
	hotIssues, err := s.dashboardHot(r.Context(), acct, scope, from, to)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Hot = hotIssues
	s.renderSearchPage(w, r, http.StatusOK, "dashboard", d)
}

// dashboardHotTop is how many hot issues the dashboard lists.
const dashboardHotTop = 8

// dashboardHot groups the range's items of the scope into hot issues and
// records the list, because it shows ticket titles, in the access log.
func (s *Server) dashboardHot(ctx context.Context, acct org.Account, scope string, from, to time.Time) ([]hot.Issue, error) {
	end := to.AddDate(0, 0, 1)
	var issues []hot.Issue
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		items, err := hot.Load(ctx, tx, from, scope)
		if err != nil {
			return err
		}
		kept := items[:0]
		for _, it := range items {
			if it.At.Before(end) {
				kept = append(kept, it)
			}
		}
		issues = hot.Group(kept, hot.Options{Now: end})
		if len(issues) > dashboardHotTop {
			issues = issues[:dashboardHotTop]
		}
		filter := "hot&from=" + from.Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly) + "&unit_path=" + scope
		return s.svc.RecordAccess(ctx, tx, workflow.Access{Actor: acct.Actor(), Action: "ticket.list",
			Purpose: "dashboard", Filter: filter, Count: len(issues), Result: "ok"})
	})
	return issues, err
}

// parseDashboardForm reads the range (from, to: calendar days, by default
// the 30 days ending today) and the unit of a dashboard request. A leader
// without a unit gets the own unit. An invalid value sets d.Error.
func (s *Server) parseDashboardForm(r *http.Request, acct org.Account, d *dashboardData) (today, from, to time.Time,
	unit string) {
	loc := s.prof.Location
	now := s.now().In(loc)
	today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from, to = today.AddDate(0, 0, 1-dashboardDefaultDays), today

	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = kpi.ParseDay(v, loc); err != nil {
			d.Error = d.T("err.from_date")
		}
	}
	if v := q.Get("to"); v != "" && err == nil {
		if to, err = kpi.ParseDay(v, loc); err != nil {
			d.Error = d.T("err.to_date")
		}
	}
	if d.Error == "" && to.Before(from) {
		d.Error = d.T("err.range")
	}

	unit = q.Get("unit")
	if unit == "" && acct.Role == ticket.RoleLeader {
		unit = acct.UnitID
	}
	if _, known := s.prof.Unit(unit); unit != "" && (!known || !s.unitVisible(acct, unit)) {
		d.Error = d.T("err.unit_scope")
	}
	if s.isRootUnit(unit) {
		unit = "" // every ticket, those in triage included
	}
	return today, from, to, unit
}

// fillDashboard computes every figure of the dashboard for the unit subtree
// scope ("" for all units).
func (s *Server) fillDashboard(ctx context.Context, d *dashboardData, scope string, today, from, to time.Time) error {
	loc := s.prof.Location
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	d.Periods = []kpiPeriod{
		{Key: "today", from: today, to: today},
		{Key: "week", from: monday, to: today},
		{Key: "range", from: from, to: to},
	}
	base := kpi.Filter{UnitPath: scope, Loc: loc, Now: s.now()}
	for i := range d.Periods {
		p := &d.Periods[i]
		p.Label = d.T("period." + p.Key)
		p.Range = p.from.Format("01-02") + d.T("range_to") + p.to.Format("01-02")
		f := base
		f.From, f.To = p.from, p.to
		rep, err := kpi.Compute(ctx, s.db, f)
		if err != nil {
			return err
		}
		p.report = rep
	}
	rows, err := kpiRows(d.Lang, d.Periods)
	if err != nil {
		return err
	}
	d.KPIRows = rows

	f := base
	f.From, f.To = from, to
	trend, err := kpi.Trend(ctx, s.db, f)
	if err != nil {
		return err
	}
	for _, day := range trend {
		d.Charts.Dates = append(d.Charts.Dates, day.Date)
		d.Charts.Received = append(d.Charts.Received, day.Received)
		d.Charts.Closed = append(d.Charts.Closed, day.Closed)
	}
	channels, err := kpi.CountBy(ctx, s.db, f, kpi.ByChannel)
	if err != nil {
		return err
	}
	for _, g := range channels {
		d.Charts.Channels = append(d.Charts.Channels, namedCount{channelName(d.Lang, g.Key), g.Received})
	}
	tags, err := kpi.CountBy(ctx, s.db, f, kpi.ByTag)
	if err != nil {
		return err
	}
	for _, g := range tags {
		if len(d.Charts.Tags) < dashboardTopN {
			d.Charts.Tags = append(d.Charts.Tags, namedCount{orText(g.Key, d.T("dash.untagged")), g.Received})
		}
	}
	if err := s.fillRising(ctx, d, f, tags); err != nil {
		return err
	}
	return s.fillUnits(ctx, d, f)
}

// fillRising compares the tag counts of the range with the range of the same
// length just before it.
func (s *Server) fillRising(ctx context.Context, d *dashboardData, f kpi.Filter, current []kpi.Group) error {
	days := int(f.To.Sub(f.From).Hours()/24+0.5) + 1
	prev := f
	prev.From, prev.To = f.From.AddDate(0, 0, -days), f.From.AddDate(0, 0, -1)
	d.PrevRange = prev.From.Format(time.DateOnly) + d.T("range_to") + prev.To.Format(time.DateOnly)
	before, err := kpi.CountBy(ctx, s.db, prev, kpi.ByTag)
	if err != nil {
		return err
	}
	for _, c := range kpi.Rising(current, before, risingMinGain) {
		gain := d.T("dash.new_tag")
		if c.Previous > 0 {
			gain = fmt.Sprintf("+%.0f%%", float64(c.Current-c.Previous)/float64(c.Previous)*100)
		}
		d.Rising = append(d.Rising, risingTag{Tag: c.Key, Current: c.Current, Previous: c.Previous, Gain: gain})
	}
	return nil
}

// fillUnits ranks the units that received tickets in the range by their
// satisfaction rate, each computed by kpi.Compute over the unit's subtree.
func (s *Server) fillUnits(ctx context.Context, d *dashboardData, f kpi.Filter) error {
	groups, err := kpi.CountBy(ctx, s.db, f, kpi.ByUnit)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Key == "" {
			continue
		}
		if len(d.Charts.Units) < dashboardTopN {
			d.Charts.Units = append(d.Charts.Units, namedCount{s.searchUnitName(g.Key), g.Received})
		}
		if len(d.Ranks) >= dashboardMaxUnits {
			continue
		}
		uf := f
		uf.UnitPath = s.prof.UnitPath(g.Key)
		rep, err := kpi.Compute(ctx, s.db, uf)
		if err != nil {
			return err
		}
		d.Ranks = append(d.Ranks, unitRank{Name: s.searchUnitName(g.Key), Parent: s.hasChildUnits(g.Key),
			Received: rep.Counts.Received,
			Closed:   rep.Counts.Closed, Satisfaction: rateText(rep.SatisfactionRate),
			Response: rateText(rep.ResponseRate), DailyCompletion: rateText(rep.DailyCompletionRate),
			Callback: rateText(rep.CallbackRate), satisfaction: rep.SatisfactionRate})
	}
	sort.SliceStable(d.Ranks, func(i, j int) bool {
		a, b := d.Ranks[i].satisfaction, d.Ranks[j].satisfaction
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case *a != *b:
			return *a > *b
		}
		return d.Ranks[i].Received > d.Ranks[j].Received
	})
	for i := range d.Ranks {
		d.Ranks[i].Rank = i + 1
	}
	return nil
}

func (s *Server) hasChildUnits(id string) bool {
	for _, u := range s.prof.Units {
		if u.Parent == id {
			return true
		}
	}
	return false
}

// kpiRows turns the reports of the periods into the rows of the KPI table in lang,
// reading each figure from the report's JSON so the page shows exactly what
// `minyi kpi --json` prints.
func kpiRows(lang string, periods []kpiPeriod) ([]kpiRow, error) {
	flat := make([]map[string]json.RawMessage, len(periods))
	for i, p := range periods {
		m, err := flattenJSON(p.report)
		if err != nil {
			return nil, err
		}
		flat[i] = m
	}
	var rows []kpiRow
	for _, k := range dashboardKPIs {
		row := kpiRow{Key: k.key, Label: pageText(lang, "kpi."+k.key)}
		for i, p := range periods {
			raw := string(flat[i][k.key])
			row.Cells = append(row.Cells, kpiCell{Period: p.Key, Value: raw, Text: figureText(raw, k.unit)})
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// flattenJSON encodes v and returns its leaves by dotted key
// ("counts.received").
func flattenJSON(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("web: dashboard: %w", err)
	}
	out := map[string]json.RawMessage{}
	var walk func(prefix string, raw json.RawMessage)
	walk = func(prefix string, raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil && obj != nil {
			for k, v := range obj {
				walk(prefix+k+".", v)
			}
			return
		}
		out[prefix[:len(prefix)-1]] = raw
	}
	walk("", b)
	return out, nil
}

// figureText formats a JSON figure for the page: rates as percentages with
// one decimal, hours with one decimal, counts as they are, and null as "—".
func figureText(raw, unit string) string {
	if raw == "null" || raw == "" {
		return "—"
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw
	}
	switch unit {
	case "%":
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case "h":
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return raw
}

func rateText(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
