package kpi_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"sort"
	"testing"
	"time"

	"minyi/kpi"
	"minyi/store"
	"minyi/store/storetest"
)

func TestMain(m *testing.M) {
	// The scenario's day boundaries must come from the filter's zone, never
	// from the host's, so the host runs in UTC here whatever TZ is set to.
	time.Local = time.UTC
	code := m.Run()
	closeBenchDB()
	os.Exit(code)
}

// row is one ticket of the fixed scenario. Zero times are stored as NULL.
type row struct {
	name, state, unit                               string
	received, dispatched, acceptDue, accepted       time.Time
	replyDue, replied, reviewed, calledBack, closed time.Time
	needsRectification, rectified, overdue          bool
	result                                          string
}

// base is 2026-03-01 08:00 in Asia/Shanghai.
var base = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// h returns base plus hours.
func h(hours float64) time.Time { return base.Add(time.Duration(hours * float64(time.Hour))) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// scenario is the fixed set of tickets every case reads. Times are UTC and
// Shanghai is UTC+8, so the range 2026-03-01 to 2026-03-02 in Shanghai is
// [2026-02-28T16:00Z, 2026-03-02T16:00Z).
var scenario = []row{
	{name: "t1", state: "closed", unit: "/city/east/s1/",
		received: h(0), dispatched: h(1), acceptDue: h(3), accepted: h(2),
		replyDue: utc("2026-03-01T15:30:00Z"), replied: h(10), reviewed: h(12), calledBack: h(20), closed: h(21),
		needsRectification: true, rectified: true, result: "satisfied"},
	{name: "t2", state: "closed", unit: "/city/east/s_2/",
		received: h(2), dispatched: h(4), acceptDue: h(5), accepted: h(6),
		replyDue: utc("2026-03-01T16:30:00Z"), replied: h(17), reviewed: h(18), calledBack: h(22), closed: h(26),
		needsRectification: true, result: "basic"},
	{name: "t3", state: "closed", unit: "/city/west/s3/",
		received: h(0), dispatched: h(1), acceptDue: h(2), accepted: h(2),
		replyDue: utc("2026-03-01T12:00:00Z"), replied: h(11), reviewed: h(13), calledBack: h(38), closed: h(39),
		result: "unreachable"},
	{name: "t4 reopened", state: "reopened", unit: "/city/east/s1/",
		received: h(3), dispatched: h(4), acceptDue: h(6), accepted: h(5),
		replyDue: utc("2026-03-02T15:00:00Z"), replied: h(20), reviewed: h(22), calledBack: h(30),
		needsRectification: true, rectified: true, result: "unsatisfied"},
	{name: "t5 never accepted", state: "dispatched", unit: "/city/west/s3/",
		received: h(6), dispatched: h(7), acceptDue: h(8), replyDue: utc("2026-03-02T10:00:00Z"), overdue: true},
	{name: "t6 deadline running", state: "dispatched", unit: "/city/east/s_2/",
		received: utc("2026-03-02T10:00:00Z"), dispatched: utc("2026-03-02T11:00:00Z"),
		acceptDue: utc("2026-03-20T00:00:00Z"), replyDue: utc("2026-03-30T00:00:00Z")},
	{name: "t7 triage", state: "triage", received: h(5)},
	{name: "t8 withdrawn", state: "withdrawn", unit: "/city/east/s1/",
		received: h(1), dispatched: h(2), acceptDue: h(3), replyDue: utc("2026-03-01T14:00:00Z")},
	{name: "t9 closed before range", state: "closed", unit: "/city/east/s1/",
		received: utc("2026-02-27T00:00:00Z"), dispatched: utc("2026-02-27T01:00:00Z"),
		acceptDue: utc("2026-02-27T02:00:00Z"), accepted: utc("2026-02-27T01:30:00Z"),
		replyDue: utc("2026-02-28T10:00:00Z"), replied: utc("2026-02-28T09:00:00Z"),
		reviewed: utc("2026-02-28T10:00:00Z"), calledBack: utc("2026-02-28T15:00:00Z"),
		closed: utc("2026-02-28T15:59:00Z"), needsRectification: true, result: "satisfied"},
	{name: "t10 due at midnight", state: "replied", unit: "/city/east/s1/",
		received: utc("2026-02-28T08:00:00Z"), dispatched: utc("2026-02-28T09:00:00Z"),
		acceptDue: utc("2026-02-28T10:00:00Z"), accepted: utc("2026-02-28T09:30:00Z"),
		replyDue: utc("2026-02-28T16:00:00Z"), replied: utc("2026-02-28T17:00:00Z")},
	{name: "t11", state: "replied", unit: "/city/west/s3/",
		received: h(8), dispatched: h(9), acceptDue: h(10), accepted: h(10),
		replyDue: utc("2026-03-02T12:00:00Z"), replied: h(25), needsRectification: true},
	{name: "t12 dispatched at range end", state: "dispatched", unit: "/city/east/s_2/",
		received: utc("2026-03-02T15:00:00Z"), dispatched: utc("2026-03-02T16:00:00Z"),
		acceptDue: utc("2026-03-02T17:00:00Z"), replyDue: utc("2026-03-02T16:00:00Z"), overdue: true},
	{name: "t13 closed without call-back", state: "closed", unit: "/city/west/s3/",
		received: h(1), closed: h(30)},
	{name: "t14 unreachable, not closed", state: "called_back", unit: "/city/east/sx2/",
		received: h(4), dispatched: h(5), acceptDue: h(6), accepted: h(6),
		replyDue: utc("2026-03-02T08:00:00Z"), replied: h(12), reviewed: h(14), calledBack: h(16),
		result: "unreachable"},
}

func insertScenario(t *testing.T, db *store.DB, rows []row) {
	t.Helper()
	ctx := context.Background()
	for i, r := range rows {
		id, err := store.InsertID(ctx, db, `INSERT INTO tickets (tracking_code, channel, state, unit_path,
			received_at, dispatched_at, accept_due, accepted_at, reply_due, replied_at, reviewed_at,
			called_back_at, closed_at, needs_rectification, rectified, overdue, callback_result,
			created_at, updated_at)
			VALUES (?, 'test', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"K"+string(rune('A'+i)), r.state, r.unit,
			store.Millis(r.received), store.Millis(r.dispatched), store.Millis(r.acceptDue),
			store.Millis(r.accepted), store.Millis(r.replyDue), store.Millis(r.replied),
			store.Millis(r.reviewed), store.Millis(r.calledBack), store.Millis(r.closed),
			store.Bool(r.needsRectification), store.Bool(r.rectified), store.Bool(r.overdue), r.result,
			r.received.UnixMilli(), r.received.UnixMilli())
		if err != nil {
			t.Fatalf("insert %s: %v", r.name, err)
		}
		// The call-back event is what satisfaction counts; the workflow writes
		// one for every call-back, as here.
		if r.result != "" && !r.calledBack.IsZero() {
			insertCallback(t, db, id, r.calledBack, r.result)
		}
	}
	rebuild(t, db)
}

// rebuild recomputes the KPI rollups in Asia/Shanghai, as "minyi kpi
// --rebuild" does, because the fixtures insert rows past the workflow that
// keeps them.
func rebuild(t *testing.T, db *store.DB) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.Rebuild(context.Background(), db, loc); err != nil {
		t.Fatalf("rebuild rollups: %v", err)
	}
}

func insertCallback(t *testing.T, db *store.DB, id int64, at time.Time, outcome string) {
	t.Helper()
	_, err := db.ExecContext(context.Background(), `INSERT INTO ticket_events (ticket_id, at, actor_name, actor_role,
		action, from_state, to_state, details) VALUES (?, ?, 'test', 'centre', 'callback', 'reviewed', 'called_back', ?)`,
		id, at.UnixMilli(), `{"outcome":"`+outcome+`"}`)
	if err != nil {
		t.Fatalf("insert call-back of %d: %v", id, err)
	}
}

// TestSatisfactionCountsEveryRating checks that a ticket rated unsatisfied,
// reopened and then rated satisfied counts both ratings.
func TestSatisfactionCountsEveryRating(t *testing.T) {
	t.Setenv("TZ", "UTC")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := utc("2026-03-01T02:00:00Z")
		insertScenario(t, db, []row{{name: "reopened", state: "closed", unit: "/bureau/east/s1/",
			received: at, calledBack: at.Add(72 * time.Hour), closed: at.Add(73 * time.Hour), result: "satisfied"}})
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM tickets`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		insertCallback(t, db, id, at.Add(24*time.Hour), "unsatisfied")
		rebuild(t, db)
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range modes {
			r, err := kpi.SatisfactionRate(ctx, db, m.filter(kpi.Filter{Loc: loc}))
			if err != nil {
				t.Fatal(err)
			}
			if r.Num != 1 || r.Den != 2 {
				t.Errorf("%s: satisfaction = %d/%d, want 1/2", m.name, r.Num, r.Den)
			}
		}
	})
}

// stats are expected cycle figures. A negative mean means that only the count
// is checked.
type stats struct {
	count          int
	mean, p50, p90 float64
}

type want struct {
	callback, rectification, response, daily, satisfaction *float64
	days                                                   []kpi.Day
	counts                                                 kpi.Counts
	loop                                                   stats
	stages                                                 map[string]stats
}

func rate(v float64) *float64 { return &v }

func TestCompute(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := utc("2026-03-10T00:00:00Z")
	march1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	march2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		filter kpi.Filter
		want   want
	}{
		{
			// Closed in range: t1 (21 h), t2 (24 h), t3 (39 h), t13 (29 h).
			// t9 closed at 23:59 on 28 February in Shanghai, so it is out.
			name:   "two days, all units",
			filter: kpi.Filter{From: march1, To: march2, Loc: shanghai, Now: now},
			want: want{
				// t1, t2, t3 were called back, t13 was not: 3/4.
				callback: rate(3.0 / 4),
				// Replied in range and needing rectification: t1 yes, t2 no,
				// t4 yes, t11 no: 2/4.
				rectification: rate(2.0 / 4),
				// Dispatched in range: t1, t3, t4, t11, t14 signed for in time,
				// t2 late, t5 never. t6's deadline still runs, t8 was withdrawn
				// and t12 was dispatched at the range's end: 5/7.
				response: rate(5.0 / 7),
				// 1 March: t1 (due 15:30Z, 23:30 in Shanghai) and t3 on time,
				// t10 (due 16:00Z on 28 February, midnight in Shanghai) late;
				// t8 was withdrawn: 2/3. 2 March: t2 (due 16:30Z on 1 March)
				// late, t5 not replied, t4, t11, t14 on time: 3/5. Mean 19/30.
				daily: rate((2.0/3 + 3.0/5) / 2),
				days:  []kpi.Day{{Date: "2026-03-01", Ratio: kpi.Ratio{Num: 2, Den: 3}}, {Date: "2026-03-02", Ratio: kpi.Ratio{Num: 3, Den: 5}}},
				// Rated in range: t1 satisfied, t2 basic, t4 unsatisfied; t3
				// and t14 were unreachable: 2/3.
				satisfaction: rate(2.0 / 3),
				// Received: all but t9 and t10. Open: t4, t5, t6, t7, t11,
				// t12, t14. Overdue: t5, t12.
				counts: kpi.Counts{Received: 12, Closed: 4, Open: 7, Overdue: 2},
				// 21, 24, 29, 39: p50 at rank 1.5, p90 at rank 2.7.
				loop: stats{4, 113.0 / 4, 26.5, 36},
				// t1, t2, t3 only, because t13 has no step times.
				stages: map[string]stats{
					"received_to_dispatched":  {3, 4.0 / 3, 1, 1.8},   // 1, 1, 2
					"dispatched_to_accepted":  {3, 4.0 / 3, 1, 1.8},   // 1, 1, 2
					"accepted_to_replied":     {3, 28.0 / 3, 9, 10.6}, // 8, 9, 11
					"replied_to_reviewed":     {3, 5.0 / 3, 2, 2},     // 1, 2, 2
					"reviewed_to_called_back": {3, 37.0 / 3, 8, 21.6}, // 4, 8, 25
					"called_back_to_closed":   {3, 2, 1, 3.4},         // 1, 1, 4
				},
			},
		},
		{
			name:   "east subtree",
			filter: kpi.Filter{From: march1, To: march2, UnitPath: "/city/east/", Loc: shanghai, Now: now},
			want: want{
				callback:      rate(2.0 / 2), // t1, t2
				rectification: rate(2.0 / 3), // t1, t4 of t1, t2, t4
				response:      rate(3.0 / 4), // t1, t4, t14 of t1, t2, t4, t14
				// 1 March: t1 of t1, t10. 2 March: t4, t14 of t2, t4, t14.
				daily:        rate((1.0/2 + 2.0/3) / 2),
				days:         []kpi.Day{{Date: "2026-03-01", Ratio: kpi.Ratio{Num: 1, Den: 2}}, {Date: "2026-03-02", Ratio: kpi.Ratio{Num: 2, Den: 3}}},
				satisfaction: rate(2.0 / 3), // t1, t2 of t1, t2, t4
				// Received: t1, t2, t4, t6, t8, t12, t14. Open: t4, t6, t12, t14.
				counts: kpi.Counts{Received: 7, Closed: 2, Open: 4, Overdue: 1},
				loop:   stats{2, 22.5, 22.5, 23.7}, // 21, 24
				stages: map[string]stats{"received_to_dispatched": {2, 1.5, 1.5, 1.9}},
			},
		},
		{
			// "_" must not act as a LIKE wildcard, so /city/east/sx2/ (t14) is out.
			name:   "unit id with underscore",
			filter: kpi.Filter{From: march1, To: march2, UnitPath: "/city/east/s_2/", Loc: shanghai, Now: now},
			want: want{
				callback:      rate(1), // t2
				rectification: rate(0), // t2
				response:      rate(0), // t2 late; t6 still running, t12 out of range
				daily:         rate(0), // t2 on 2 March
				days:          []kpi.Day{{Date: "2026-03-02", Ratio: kpi.Ratio{Num: 0, Den: 1}}},
				satisfaction:  rate(1), // t2 basic
				counts:        kpi.Counts{Received: 3, Closed: 1, Open: 2, Overdue: 1},
				loop:          stats{1, 24, 24, 24},
			},
		},
		{
			// No date bounds: t9 and t10 join, and t12 is due on 3 March.
			name:   "whole history",
			filter: kpi.Filter{Loc: shanghai, Now: now},
			want: want{
				callback:      rate(4.0 / 5),  // t9 joins, called back
				rectification: rate(2.0 / 5),  // t9 joins, not rectified
				response:      rate(7.0 / 10), // t9, t10 in time, t12 never signed for
				// 28 February: t9 1/1. 1 March 2/3. 2 March 3/5. 3 March: t12 0/1.
				daily: rate((1 + 2.0/3 + 3.0/5 + 0) / 4),
				days: []kpi.Day{
					{Date: "2026-02-28", Ratio: kpi.Ratio{Num: 1, Den: 1}},
					{Date: "2026-03-01", Ratio: kpi.Ratio{Num: 2, Den: 3}},
					{Date: "2026-03-02", Ratio: kpi.Ratio{Num: 3, Den: 5}},
					{Date: "2026-03-03", Ratio: kpi.Ratio{Num: 0, Den: 1}},
				},
				satisfaction: rate(3.0 / 4), // t9 satisfied joins
				counts:       kpi.Counts{Received: 14, Closed: 5, Open: 8, Overdue: 2},
				loop:         stats{5, -1, -1, -1},
			},
		},
		{
			// Only t6 is due in this range, and its deadline has not passed.
			name:   "empty denominators",
			filter: kpi.Filter{From: time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), Loc: shanghai, Now: now},
			want: want{
				stages: map[string]stats{"received_to_dispatched": {}, "called_back_to_closed": {}},
			},
		},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		insertScenario(t, db, scenario)
		for _, tc := range cases {
			for _, m := range modes {
				t.Run(tc.name+"/"+m.name, func(t *testing.T) {
					checkCompute(t, db, m.filter(tc.filter), tc.want)
				})
			}
		}
	})
}

// modes are the two ways a KPI is computed: from the rollups, where they
// exist in the filter's zone, and by scanning the tickets.
var modes = []struct {
	name   string
	filter func(kpi.Filter) kpi.Filter
}{
	{"rollups", func(f kpi.Filter) kpi.Filter { return f }},
	{"scan", kpi.ScanOnly},
}

func checkCompute(t *testing.T, db *store.DB, f kpi.Filter, want want) {
	t.Helper()
	r, err := kpi.Compute(context.Background(), db, f)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	checkRate(t, "callback_rate", r.CallbackRate, want.callback)
	checkRate(t, "rectification_rate", r.RectificationRate, want.rectification)
	checkRate(t, "response_rate", r.ResponseRate, want.response)
	checkRate(t, "daily_completion_rate", r.DailyCompletionRate, want.daily)
	checkRate(t, "satisfaction_rate", r.SatisfactionRate, want.satisfaction)
	if !reflect.DeepEqual(r.Parts.DailyCompletion.Days, want.days) {
		t.Errorf("daily completion days = %+v, want %+v", r.Parts.DailyCompletion.Days, want.days)
	}
	if r.Counts != want.counts {
		t.Errorf("counts = %+v, want %+v", r.Counts, want.counts)
	}
	checkStats(t, "received_to_closed", r.CycleHours.Stats, want.loop)
	stages := stagesByKey(t, r.CycleHours.Stages)
	for key, w := range want.stages {
		checkStats(t, key, stages[key], w)
	}
}

func checkRate(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s = %v, want null", name, *got)
	case want != nil && got == nil:
		t.Errorf("%s = null, want %v", name, *want)
	case want != nil && math.Abs(*got-*want) > 1e-9:
		t.Errorf("%s = %v, want %v", name, *got, *want)
	}
}

func checkStats(t *testing.T, name string, got kpi.Stats, want stats) {
	t.Helper()
	if got.Count != want.count {
		t.Errorf("%s count = %d, want %d", name, got.Count, want.count)
	}
	if want.count == 0 {
		if got.Mean != nil || got.P50 != nil || got.P90 != nil {
			t.Errorf("%s = %+v, want null mean and percentiles", name, got)
		}
		return
	}
	if want.mean < 0 {
		return
	}
	checkRate(t, name+" mean", got.Mean, &want.mean)
	checkRate(t, name+" p50", got.P50, &want.p50)
	checkRate(t, name+" p90", got.P90, &want.p90)
}

// stagesByKey indexes the stages by their JSON keys, so the test names each
// stage as the API does.
func stagesByKey(t *testing.T, s kpi.Stages) map[string]kpi.Stats {
	t.Helper()
	out := map[string]kpi.Stats{}
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		out[v.Type().Field(i).Tag.Get("json")] = v.Field(i).Interface().(kpi.Stats)
	}
	return out
}

func TestReportJSON(t *testing.T) {
	r := kpi.Report{CallbackRate: rate(0.5)}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	wantKeys := []string{"callback_rate", "counts", "cycle_hours", "daily_completion_rate",
		"rectification_rate", "response_rate", "satisfaction_rate"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys = %v, want %v", keys, wantKeys)
	}
	if string(top["callback_rate"]) != "0.5" {
		t.Errorf("callback_rate = %s, want 0.5", top["callback_rate"])
	}
	if string(top["response_rate"]) != "null" {
		t.Errorf("response_rate = %s, want null", top["response_rate"])
	}

	var cycle map[string]json.RawMessage
	if err := json.Unmarshal(top["cycle_hours"], &cycle); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"count", "mean", "p50", "p90", "stages"} {
		if _, ok := cycle[k]; !ok {
			t.Errorf("cycle_hours has no %q: %s", k, top["cycle_hours"])
		}
	}
}

func TestFilterRejectsReversedRange(t *testing.T) {
	f := kpi.Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := kpi.Compute(context.Background(), nil, f); err == nil {
		t.Fatal("Compute with To before From: no error")
	}
}

// TestParseDayRange accepts days from 2000 to 2999 and rejects days outside,
// whose YYYY-MM-DD text would not sort with the rollups' keys.
func TestParseDayRange(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		day string
		ok  bool
	}{
		{"2000-01-01", true}, {"2026-12-05", true}, {"2999-12-31", true},
		{"1999-12-31", false}, {"3000-01-01", false}, {"9999-12-31", false}, {"2026-13-01", false}, {"2026/12/05", false},
	} {
		_, err := kpi.ParseDay(c.day, loc)
		if (err == nil) != c.ok {
			t.Errorf("ParseDay(%q): %v, want ok %v", c.day, err, c.ok)
		}
	}
}
