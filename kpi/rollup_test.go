package kpi_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"minyi/kpi"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/simulate"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// TestRollupsFollowWorkflow drives tickets through the real workflow, with
// reopens, a re-dispatch to another unit, merges and an unmerge. It checks
// that the rollups the workflow kept give every KPI exactly as the scans do,
// and that a rebuild writes the same rows.
func TestRollupsFollowWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := profile.Load("police")
		if err != nil {
			t.Fatal(err)
		}
		if err := org.Sync(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		keys, err := privacy.GenerateKeys()
		if err != nil {
			t.Fatal(err)
		}
		prot, err := privacy.NewProtector(keys)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 20, 4, 0, 0, 0, time.UTC)
		svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot,
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}

		// 120 tickets over 50 days, the last ones still open when the
		// simulated clock stops.
		start := time.Date(2026, 1, 28, 23, 30, 0, 0, time.UTC)
		channels := []string{"12345", "qr", "110", "mailbox"}
		for i := 0; i < 120; i++ {
			_, _, err := svc.Submit(ctx, workflow.Submission{Channel: channels[i%len(channels)],
				ExternalID: fmt.Sprint(i), Body: fmt.Sprintf("第%d条测试诉求，路口噪音扰民", i),
				ReceivedAt: start.Add(time.Duration(i) * 10 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := simulate.Run(ctx, svc, simulate.Options{Until: now, Seed: 11}); err != nil {
			t.Fatal(err)
		}
		// Tickets received after the simulation stay open, for merging.
		for i := 0; i < 4; i++ {
			_, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: fmt.Sprintf("第%d条新诉求，路口噪音扰民", i),
				ReceivedAt: now.Add(-time.Duration(i) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
		}

		centre := ticket.Actor{Name: "中心坐席", Role: ticket.RoleCentre, UnitID: p.CentreUnit,
			UnitPath: p.UnitPath(p.CentreUnit)}
		actAs := func(who ticket.Actor, id int64, action ticket.Action, in ticket.Input) *ticket.Ticket {
			t.Helper()
			now = now.Add(time.Hour)
			tk, err := svc.Act(ctx, workflow.Command{TicketID: id, Actor: who, Action: action, Input: in})
			if err != nil {
				t.Fatalf("%s ticket %d: %v", action, id, err)
			}
			return tk
		}
		act := func(id int64, action ticket.Action, in ticket.Input) *ticket.Ticket {
			t.Helper()
			return actAs(centre, id, action, in)
		}
		closed := ticketsIn(t, db, "closed")
		open := ticketsIn(t, db, "received", "triage", "dispatched")
		if len(closed) < 4 || len(open) < 3 {
			t.Fatalf("simulation left %d closed and %d open tickets, want at least 4 and 3", len(closed), len(open))
		}
		// A reopened ticket goes back to its unit. The second one is returned
		// and dispatched to another unit, which moves its call-back ratings
		// to the new unit, and rated again there.
		act(closed[0], ticket.ActReopen, ticket.Input{Reason: "群众不满意"})
		moved := act(closed[1], ticket.ActReopen, ticket.Input{Reason: "群众不满意"})
		firstPath := moved.UnitPath
		handler := func(tk *ticket.Ticket) ticket.Actor {
			return ticket.Actor{Name: "办理民警", Role: ticket.RoleHandler, UnitID: tk.UnitID, UnitPath: tk.UnitPath}
		}
		moved = actAs(handler(moved), moved.ID, ticket.ActReturn, ticket.Input{Reason: "不属于本单位辖区"})
		moved = act(moved.ID, ticket.ActDispatch, ticket.Input{UnitID: otherUnit(t, db, moved.UnitID)})
		if moved.UnitPath == firstPath {
			t.Fatalf("re-dispatch kept unit path %s", firstPath)
		}
		moved = actAs(handler(moved), moved.ID, ticket.ActAccept, ticket.Input{})
		moved = actAs(handler(moved), moved.ID, ticket.ActReply, ticket.Input{Reply: "已整改", NeedsRectification: true,
			Rectified: true})
		act(moved.ID, ticket.ActApprove, ticket.Input{})
		moved = act(moved.ID, ticket.ActCallback, ticket.Input{Outcome: ticket.BasicSatisfied, MaxAttempts: 3})
		if moved.State != ticket.Closed {
			t.Fatalf("re-dispatched ticket ended in %s, want closed", moved.State)
		}
		act(open[0], ticket.ActMerge, ticket.Input{Into: open[2]})
		act(open[1], ticket.ActMerge, ticket.Input{Into: open[2]})
		if _, err := svc.Unmerge(ctx, centre, open[1], "误合并"); err != nil {
			t.Fatalf("unmerge %d: %v", open[1], err)
		}
		if _, err := svc.SweepOverdue(ctx, now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}

		checkRollupsMatchScan(t, db, unitPaths(t, db, 4), now)
		before := rollupRows(t, db)
		if len(before) == 0 {
			t.Fatal("the workflow wrote no rollup rows")
		}
		rebuild(t, db)
		if after := rollupRows(t, db); !reflect.DeepEqual(before, after) {
			t.Errorf("a rebuild changed the rollups the workflow kept:\nkept    %v\nrebuilt %v", before, after)
		}
	})
}

// TestRollupsMatchScanGenerated checks every KPI from rebuilt rollups against
// the scans on a generated year of tickets.
func TestRollupsMatchScanGenerated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		city := generateCity(t, db, 3000, 5)
		rebuild(t, db)
		paths := []string{"/city/", "/city/b1/", city.units[3].path, "/city/b2/b2_s"}
		checkRollupsMatchScan(t, db, paths, city.end)
		checkRollupsMatchScan(t, db, paths, city.end.AddDate(0, 0, -100))
	})
}

// TestRollupsOtherZoneScans checks that a Filter in another zone than the
// rollups' scans the tickets, and that the rollups are used again after a
// rebuild in that zone.
func TestRollupsOtherZoneScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertScenario(t, db, scenario)
		f := kpi.Filter{Loc: time.UTC, Now: utc("2026-03-10T00:00:00Z")}
		if used, err := kpi.UsesRollups(ctx, db, f); err != nil || used {
			t.Fatalf("UsesRollups in UTC = %v, %v; want false, because the rollups are in Asia/Shanghai", used, err)
		}
		want, err := kpi.Compute(ctx, db, kpi.ScanOnly(f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kpi.Rebuild(ctx, db, time.UTC); err != nil {
			t.Fatal(err)
		}
		if used, err := kpi.UsesRollups(ctx, db, f); err != nil || !used {
			t.Fatalf("UsesRollups after a rebuild in UTC = %v, %v; want true", used, err)
		}
		got, err := kpi.Compute(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Compute in UTC from rollups = %+v, scan = %+v", got, want)
		}
	})
}

// TestRollupsNotBuiltScans checks that without the rollup state row, as in a
// database migrated with tickets in it, the KPIs scan and ticket writes leave
// the rollups alone.
func TestRollupsNotBuiltScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `DELETE FROM kpi_rollup_state`); err != nil {
			t.Fatal(err)
		}
		f := kpi.Filter{Now: utc("2026-03-10T00:00:00Z")}
		if used, err := kpi.UsesRollups(ctx, db, f); err != nil || used {
			t.Fatalf("UsesRollups without rollups = %v, %v; want false", used, err)
		}
		id, err := store.InsertID(ctx, db, `INSERT INTO tickets (tracking_code, channel, state, received_at,
			created_at, updated_at) VALUES ('K1', 'qr', 'triage', 1, 1, 1)`)
		if err != nil {
			t.Fatal(err)
		}
		if err := kpi.TrackInsert(ctx, db, id); err != nil {
			t.Fatalf("TrackInsert without rollups: %v", err)
		}
		if err := kpi.TrackEvent(ctx, db, id, ticket.ActCallback, 2, `{"outcome":"satisfied"}`); err != nil {
			t.Fatalf("TrackEvent without rollups: %v", err)
		}
		if rows := rollupRows(t, db); len(rows) != 0 {
			t.Errorf("rollup rows without rollups = %v, want none", rows)
		}
	})
}

// checkRollupsMatchScan compares every KPI, breakdown and trend from the
// rollups with the scan for several ranges and unit subtrees.
func checkRollupsMatchScan(t *testing.T, db *store.DB, paths []string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	today := localMidnight(now, loc)
	ranges := [][2]time.Time{
		{},
		{today, today},
		{today.AddDate(0, 0, -6), today},
		{today.AddDate(0, 0, -29), today},
		{today.AddDate(0, -3, 0), today.AddDate(0, -1, 0)},
		{today.AddDate(0, 0, -400), today.AddDate(0, 0, 30)},
	}
	for _, r := range ranges {
		for _, path := range append([]string{""}, paths...) {
			f := kpi.Filter{From: r[0], To: r[1], UnitPath: path, Loc: loc, Now: now}
			name := fmt.Sprintf("%s..%s %q", r[0].Format(time.DateOnly), r[1].Format(time.DateOnly), path)
			if used, err := kpi.UsesRollups(ctx, db, f); err != nil || !used {
				t.Fatalf("%s: UsesRollups = %v, %v; want true", name, used, err)
			}
			want, err := kpi.Compute(ctx, db, kpi.ScanOnly(f))
			if err != nil {
				t.Fatal(err)
			}
			got, err := kpi.Compute(ctx, db, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Parts, want.Parts) {
				t.Errorf("%s: parts from rollups %+v, scan %+v", name, got.Parts, want.Parts)
			}
			if got.Counts != want.Counts {
				t.Errorf("%s: counts from rollups %+v, scan %+v", name, got.Counts, want.Counts)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: report from rollups differs from the scan", name)
			}
			for _, dim := range []kpi.Dimension{kpi.ByChannel, kpi.ByTag, kpi.ByUnit} {
				want, err := kpi.CountBy(ctx, db, kpi.ScanOnly(f), dim)
				if err != nil {
					t.Fatal(err)
				}
				got, err := kpi.CountBy(ctx, db, f, dim)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: CountBy %s from rollups %v, scan %v", name, dim, got, want)
				}
			}
			wantTrend, err := kpi.Trend(ctx, db, kpi.ScanOnly(f))
			if err != nil {
				t.Fatal(err)
			}
			gotTrend, err := kpi.Trend(ctx, db, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotTrend, wantTrend) {
				t.Errorf("%s: Trend from rollups %v, scan %v", name, gotTrend, wantTrend)
			}
		}
	}
}

// rollupRows returns the non-zero rollup rows as "metric day unit_path dim"
// to count.
func rollupRows(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT metric, day, unit_path, dim, n FROM kpi_daily WHERE n <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var metric, day, path, dim string
		var n int64
		if err := rows.Scan(&metric, &day, &path, &dim, &n); err != nil {
			t.Fatal(err)
		}
		out[metric+" "+day+" "+path+" "+dim] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func ticketsIn(t *testing.T, db *store.DB, states ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, s := range states {
		rows, err := db.QueryContext(context.Background(), `SELECT id FROM tickets WHERE state = ? ORDER BY id`, s)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
	}
	return ids
}

// otherUnit returns a unit that handled some ticket and is not unitID.
func otherUnit(t *testing.T, db *store.DB, unitID string) string {
	t.Helper()
	var id string
	err := db.QueryRowContext(context.Background(), `SELECT unit_id FROM tickets
		WHERE unit_id IS NOT NULL AND unit_id <> ? ORDER BY unit_id LIMIT 1`, unitID).Scan(&id)
	if err != nil {
		t.Fatalf("another unit than %s: %v", unitID, err)
	}
	return id
}

// unitPaths returns up to n parent paths of the units tickets went to, and
// one full unit path.
func unitPaths(t *testing.T, db *store.DB, n int) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT DISTINCT unit_path FROM tickets WHERE unit_path <> ''
		ORDER BY unit_path`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var path string
		if err := rows.Scan(&path); err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			out = append(out, path)
		}
		// The parent: the path without its last segment.
		parent := path[:len(path)-1]
		for len(parent) > 0 && parent[len(parent)-1] != '/' {
			parent = parent[:len(parent)-1]
		}
		if parent != "" && !seen[parent] && len(out) < n {
			seen[parent] = true
			out = append(out, parent)
		}
	}
	return out
}
