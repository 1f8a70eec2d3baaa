package kpi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"minyi/kpi"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/simulate"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

// benchTicketsEnv names the variable that sets how many tickets the
// benchmarks generate, 20,000 when unset.
const benchTicketsEnv = "MINYI_BENCH_TICKETS"

var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchCity generated
	benchDir  string
	benchErr  error
)

// openBenchDB generates the benchmark database once per test binary: an
// SQLite file of MINYI_BENCH_TICKETS tickets received over one year.
func openBenchDB(b *testing.B) (*store.DB, generated) {
	b.Helper()
	benchOnce.Do(func() {
		n := 20_000
		if v := os.Getenv(benchTicketsEnv); v != "" {
			if n, benchErr = strconv.Atoi(v); benchErr != nil {
				return
			}
		}
		if benchDir, benchErr = os.MkdirTemp("", "minyi-kpi-bench-"); benchErr != nil {
			return
		}
		ctx := context.Background()
		if benchDB, benchErr = store.Open(ctx, "sqlite:"+filepath.Join(benchDir, "bench.db")); benchErr != nil {
			return
		}
		start := time.Now()
		benchCity = generateCity(b, benchDB, n, 42)
		b.Logf("generated %d tickets in %s", n, time.Since(start).Round(time.Millisecond))
		var loc *time.Location
		if loc, benchErr = time.LoadLocation(kpi.DefaultZone); benchErr != nil {
			return
		}
		start = time.Now()
		var res kpi.RebuildResult
		if res, benchErr = kpi.Rebuild(ctx, benchDB, loc); benchErr != nil {
			return
		}
		b.Logf("rebuilt %d rollup rows in %s", res.Rows, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("benchmark database: %v", benchErr)
	}
	return benchDB, benchCity
}

// closeBenchDB removes the benchmark database, if one was generated.
func closeBenchDB() {
	if benchDB != nil {
		benchDB.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// benchModes run each benchmark from the rollups and by scanning the
// tickets, the way every KPI was computed before the rollups.
var benchModes = []struct {
	name   string
	filter func(kpi.Filter) kpi.Filter
}{
	{"rollups", func(f kpi.Filter) kpi.Filter { return f }},
	{"scan", kpi.ScanOnly},
}

// BenchmarkCompute is "minyi kpi" without flags: every KPI over the whole
// history of all units.
func BenchmarkCompute(b *testing.B) {
	db, city := openBenchDB(b)
	ctx := context.Background()
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			f := m.filter(kpi.Filter{Now: city.end})
			for b.Loop() {
				if _, err := kpi.Compute(ctx, db, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDashboard makes the calls web's fillDashboard makes for the whole
// city and the last 30 days. These are Compute for today, this week and the
// range, the trend, the channel, tag and unit breakdowns, the tag breakdown
// of the 30 days before, and Compute for each of the up to 40 units with the
// most tickets.
func BenchmarkDashboard(b *testing.B) {
	db, city := openBenchDB(b)
	loc, err := time.LoadLocation(kpi.DefaultZone)
	if err != nil {
		b.Fatal(err)
	}
	now := city.end.Add(-time.Hour)
	today := localMidnight(now, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	from := today.AddDate(0, 0, -29)
	unitPaths := map[string]string{}
	for _, u := range city.units {
		unitPaths[u.id] = u.path
	}
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			base := m.filter(kpi.Filter{Loc: loc, Now: now})
			for b.Loop() {
				dashboard(b, db, base, today, monday, from, unitPaths)
			}
		})
	}
}

// dashboard makes fillDashboard's calls once.
func dashboard(b *testing.B, db *store.DB, base kpi.Filter, today, monday, from time.Time,
	unitPaths map[string]string) {
	ctx := context.Background()
	for _, p := range [][2]time.Time{{today, today}, {monday, today}, {from, today}} {
		f := base
		f.From, f.To = p[0], p[1]
		if _, err := kpi.Compute(ctx, db, f); err != nil {
			b.Fatal(err)
		}
	}
	f := base
	f.From, f.To = from, today
	if _, err := kpi.Trend(ctx, db, f); err != nil {
		b.Fatal(err)
	}
	for _, dim := range []kpi.Dimension{kpi.ByChannel, kpi.ByTag} {
		if _, err := kpi.CountBy(ctx, db, f, dim); err != nil {
			b.Fatal(err)
		}
	}
	prev := f
	prev.From, prev.To = from.AddDate(0, 0, -30), from.AddDate(0, 0, -1)
	if _, err := kpi.CountBy(ctx, db, prev, kpi.ByTag); err != nil {
		b.Fatal(err)
	}
	groups, err := kpi.CountBy(ctx, db, f, kpi.ByUnit)
	if err != nil {
		b.Fatal(err)
	}
	ranked := 0
	for _, g := range groups {
		if g.Key == "" || ranked >= 40 {
			continue
		}
		ranked++
		uf := f
		uf.UnitPath = unitPaths[g.Key]
		if _, err := kpi.Compute(ctx, db, uf); err != nil {
			b.Fatal(err)
		}
	}
}

func localMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// BenchmarkWorkflowWrites measures what keeping the rollups costs the
// workflow: it submits 300 tickets to a new SQLite database and simulates
// them through the loop, with the rollups built and with them not built
// (when the workflow leaves them alone).
func BenchmarkWorkflowWrites(b *testing.B) {
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		b.Fatal(err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)
	for _, built := range []bool{true, false} {
		b.Run(fmt.Sprintf("rollups=%t", built), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := storetest.SQLite(b)
				if !built {
					if _, err := db.ExecContext(ctx, `DELETE FROM kpi_rollup_state`); err != nil {
						b.Fatal(err)
					}
				}
				if err := org.Sync(ctx, db, p); err != nil {
					b.Fatal(err)
				}
				svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()

				for i := 0; i < 300; i++ {
					_, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: fmt.Sprint(i),
						Body: fmt.Sprintf("第%d条测试诉求", i), ReceivedAt: start.Add(time.Duration(i) * time.Hour)})
					if err != nil {
						b.Fatal(err)
					}
				}
				res, err := simulate.Run(ctx, svc, simulate.Options{Until: start.AddDate(0, 2, 0), Seed: 7})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(300+res.Actions), "writes/op")
			}
		})
	}
}
