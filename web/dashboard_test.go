package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyi/classify"
	"minyi/demo"
	"minyi/dispatch"
	"minyi/kpi"
	"minyi/simulate"
	"minyi/store"
	"minyi/store/storetest"
)

// demoSeed is the seed of the generated demo city in these tests.
const demoSeed = 20261204

// classifyTagger adapts classify.Tagger to workflow.Tagger, as the minyi
// command does.
type classifyTagger struct{ t *classify.Tagger }

func (c classifyTagger) Predict(ctx context.Context, head, text string) (dispatch.Prediction, bool) {
	p, source, ok := c.t.Predict(ctx, head, text)
	if !ok {
		return dispatch.Prediction{}, false
	}
	return dispatch.Prediction{Label: p.Label, Confidence: p.Confidence, Source: source}, true
}

// newDemoCity trains the demo tagging models, submits n generated items over
// the 30 days before the environment's clock and drives them through the
// loop with the simulator, as "minyi demo" does.
func newDemoCity(t *testing.T, db *store.DB, n int) *searchEnv {
	t.Helper()
	ctx := context.Background()
	probe := newSearchEnv(t, db, nil) // loads the profile and syncs the units
	p := probe.svc.Profile()
	for head, examples := range map[string][]classify.Example{
		"tag":  demo.TrainingExamples(p, 1500, demoSeed),
		"kind": demo.KindExamples(p, 800, demoSeed),
	} {
		train, held := classify.Split(examples)
		m, err := classify.Train(train, classify.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := classify.Save(ctx, db, head, m, classify.Evaluate(m, held)); err != nil {
			t.Fatal(err)
		}
	}
	e := newSearchEnv(t, db, classifyTagger{classify.NewTagger(db, "tag", "kind")})
	for i, sub := range demo.Submissions(p, n, demoSeed, e.now.AddDate(0, 0, -30), e.now) {
		if _, _, err := e.svc.Submit(ctx, sub); err != nil {
			t.Fatalf("submit item %d: %v", i, err)
		}
	}
	if _, err := simulate.Run(ctx, e.svc, simulate.Options{Until: e.now, Seed: demoSeed}); err != nil {
		t.Fatal(err)
	}
	return e
}

// kpiCell matches one figure of the dashboard's KPI table.
var kpiCell = regexp.MustCompile(`<td data-kpi="([^"]+)" data-period="([^"]+)" data-value="([^"]*)">([^<]*)</td>`)

// flatReport returns the report as `minyi kpi --json` prints it, by dotted key.
func flatReport(t *testing.T, r kpi.Report) map[string]string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, raw json.RawMessage)
	walk = func(prefix string, raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil && obj != nil {
			for k, v := range obj {
				walk(prefix+k+".", v)
			}
			return
		}
		out[prefix[:len(prefix)-1]] = string(raw)
	}
	walk("", b)
	return out
}

// checkDashboardFigures compares every figure of a dashboard page with
// kpi.Compute for the same ranges and unit path, and returns how many it
// compared.
func checkDashboardFigures(t *testing.T, e *searchEnv, page, unitPath string, from, to time.Time) int {
	t.Helper()
	loc := e.svc.Profile().Location
	today := time.Date(e.now.In(loc).Year(), e.now.In(loc).Month(), e.now.In(loc).Day(), 0, 0, 0, 0, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	ranges := map[string][2]time.Time{"today": {today, today}, "week": {monday, today}, "range": {from, to}}
	want := map[string]map[string]string{}
	for period, r := range ranges {
		rep, err := kpi.Compute(context.Background(), e.db,
			kpi.Filter{From: r[0], To: r[1], UnitPath: unitPath, Loc: loc, Now: e.now})
		if err != nil {
			t.Fatal(err)
		}
		want[period] = flatReport(t, rep)
	}
	cells := kpiCell.FindAllStringSubmatch(page, -1)
	if len(cells) == 0 {
		t.Fatal("the dashboard shows no KPI figures")
	}
	for _, c := range cells {
		key, period, value, text := c[1], c[2], html.UnescapeString(c[3]), html.UnescapeString(c[4])
		w, ok := want[period][key]
		if !ok {
			t.Errorf("%s %s: not a figure of kpi.Compute", period, key)
			continue
		}
		if value != w {
			t.Errorf("%s %s = %s, kpi.Compute gives %s", period, key, value, w)
		}
		if (w == "null") != (text == "—") {
			t.Errorf("%s %s shown as %q for %s", period, key, text, w)
		}
	}
	return len(cells)
}

func TestDashboardMatchesKPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDemoCity(t, db, 150)
		p := e.svc.Profile()
		from, to := time.Date(2026, 11, 10, 0, 0, 0, 0, p.Location), time.Date(2026, 12, 4, 0, 0, 0, 0, p.Location)
		cases := []struct {
			who, query, unitPath string
		}{
			{"centre1", "", ""},
			{"leader", "&unit=br-qinghe", p.UnitPath("br-qinghe")},
			{"qinghe-leader", "", p.UnitPath("br-qinghe")}, // a leader gets the own branch by default
			// The bureau's leader gets every ticket, those in triage included.
			{"leader", "", ""},
		}
		for _, c := range cases {
			t.Run(c.who+c.query, func(t *testing.T) {
				code, page := e.get(t, c.who, "/dashboard?from=2026-11-10&to=2026-12-04"+c.query)
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, page)
				}
				if n := checkDashboardFigures(t, e, string(page), c.unitPath, from, to); n != 33 {
					t.Errorf("%d figures, want 11 KPIs for 3 periods", n)
				}
			})
		}
	})
}

func TestDashboardAccess(t *testing.T) {
	e := newSearchEnv(t, storetest.SQLite(t), nil)
	cases := []struct {
		who, query string
		status     int
	}{
		{"dongguan", "", http.StatusForbidden},                         // handlers have no KPI permission
		{"qinghe-leader", "?unit=br-wangjiang", http.StatusBadRequest}, // outside the leader's branch
		{"centre1", "?from=2026-12-05&to=2026-12-01", http.StatusBadRequest},
		{"centre1", "?from=tomorrow", http.StatusBadRequest},
		{"centre1", "", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.who+c.query, func(t *testing.T) {
			if code, _ := e.get(t, c.who, "/dashboard"+c.query); code != c.status {
				t.Errorf("status %d, want %d", code, c.status)
			}
		})
	}
}

func TestDashboardShowsHotIssues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDemoCity(t, db, 150)
		code, page := e.get(t, "centre1", "/dashboard?from=2026-11-10&to=2026-12-04")
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		if !strings.Contains(string(page), "热点问题") {
			t.Fatal("the dashboard has no hot-issue section")
		}
		if !strings.Contains(string(page), `id="hot"`) {
			t.Fatal("the demo city's generated repeats form no hot issue on the dashboard")
		}
	})
}
