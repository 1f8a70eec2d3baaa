package simulate_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"minyi/classify"
	"minyi/demo"
	"minyi/kpi"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/simulate"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func TestRunDrivesTicketsThroughTheLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := profile.Load("police")
		if err != nil {
			t.Fatal(err)
		}
		if err := org.Sync(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		keys, _ := privacy.GenerateKeys()
		prot, _ := privacy.NewProtector(keys)
		svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)
		const n = 60
		for i := 0; i < n; i++ {
			_, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: fmt.Sprint(i),
				Body: fmt.Sprintf("第%d条测试诉求", i), ReceivedAt: start.Add(time.Duration(i) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
		}
		res, err := simulate.Run(ctx, svc, simulate.Options{Until: start.AddDate(0, 2, 0), Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Tickets != n {
			t.Fatalf("simulated %d tickets, want %d", res.Tickets, n)
		}
		ended := res.ByState["closed"] + res.ByState["invalid"] + res.ByState["transferred_out"]
		if ended < n*8/10 {
			t.Fatalf("only %d of %d tickets ended: %v", ended, n, res.ByState)
		}
		if res.ByState["closed"] < n/2 {
			t.Fatalf("only %d closed: %v", res.ByState["closed"], res.ByState)
		}
		// Every closed ticket was called back first: the call-back rate is 100 % by construction.
		var closedWithout int
		err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE state = 'closed' AND callback_result = ''`).
			Scan(&closedWithout)
		if err != nil || closedWithout != 0 {
			t.Fatalf("%d closed tickets have no call-back result (err %v)", closedWithout, err)
		}
		// A second run finds only the stalled tickets and changes nothing that ended.
		again, err := simulate.Run(ctx, svc, simulate.Options{Until: start.AddDate(0, 2, 0), Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if again.Tickets != n-ended {
			t.Fatalf("second run saw %d open tickets, want %d", again.Tickets, n-ended)
		}
	})
}

func TestRunStopsAtTheClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, _ := profile.Load("police")
		_ = org.Sync(ctx, db, p)
		keys, _ := privacy.GenerateKeys()
		prot, _ := privacy.NewProtector(keys)
		svc, _ := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot})
		start := time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "测试", ReceivedAt: start})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := simulate.Run(ctx, svc, simulate.Options{Until: start.Add(10 * time.Minute), Seed: 1}); err != nil {
			t.Fatal(err)
		}
		var last int64
		if err := db.QueryRowContext(ctx, `SELECT MAX(at) FROM ticket_events WHERE ticket_id = ?`, tk.ID).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if time.UnixMilli(last).After(start.Add(10 * time.Minute)) {
			t.Fatalf("an event at %v lies past the clock's end", time.UnixMilli(last).UTC())
		}
	})
}

// TestRunKeepsDemoTimelinesInOrder simulates a month of the demo city's
// items, with tracking-code messages and urgency flags as the demo command
// has them, and checks that every ticket's history reads in time order.
func TestRunKeepsDemoTimelinesInOrder(t *testing.T) {
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
		svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Urgency: classify.Urgent,
			Relay: privacy.NewRelay(prot.Vault(), privacy.NewDemoProvider(), 0), SMSTrackingCode: true})
		if err != nil {
			t.Fatal(err)
		}
		// The month lies in the past, so an event stamped with the wall
		// clock would land after its end.
		end := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
		start := end.AddDate(0, 0, -30)
		subs := demo.Submissions(p, 200, 11, start, end)
		for i, sub := range subs {
			if _, _, err := svc.Submit(ctx, sub); err != nil {
				t.Fatalf("submit item %d: %v", i, err)
			}
		}
		if _, err := simulate.Run(ctx, svc, simulate.Options{Until: end, Seed: 5}); err != nil {
			t.Fatal(err)
		}

		checkEventOrder(ctx, t, db, end)
		checkMilestoneOrder(ctx, t, db)

		var stuck int
		err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE priority = 'urgent'
			AND state IN ('received', 'triage') AND received_at < ?`, end.Add(-24*time.Hour).UnixMilli()).Scan(&stuck)
		if err != nil {
			t.Fatal(err)
		}
		if stuck > 0 {
			t.Errorf("%d urgent tickets received more than a day before the end are still in triage", stuck)
		}
		var urgent int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE priority = 'urgent'`).Scan(&urgent); err != nil {
			t.Fatal(err)
		}
		if urgent == 0 {
			t.Error("the demo month has no urgent ticket, so the triage check tested nothing")
		}

		r, err := kpi.ResponseRate(ctx, db, kpi.Filter{Loc: p.Location, Now: end})
		if err != nil {
			t.Fatal(err)
		}
		if r.Den < 100 {
			t.Fatalf("only %d tickets count for the on-time acceptance rate", r.Den)
		}
		if rate := float64(r.Num) / float64(r.Den); rate < 0.5 {
			t.Errorf("on-time acceptance rate is %d/%d, want at least half", r.Num, r.Den)
		}
	})
}

// checkEventOrder fails when a ticket's events, in the order they were
// written, go back in time, or when one lies after end.
func checkEventOrder(ctx context.Context, t *testing.T, db *store.DB, end time.Time) {
	t.Helper()
	rows, err := db.QueryContext(ctx, `SELECT ticket_id, at, action FROM ticket_events ORDER BY ticket_id, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var (
		prevTicket int64
		prevAt     int64
		prevAction string
		events     int
	)
	for rows.Next() {
		var (
			id, at int64
			action string
		)
		if err := rows.Scan(&id, &at, &action); err != nil {
			t.Fatal(err)
		}
		events++
		if time.UnixMilli(at).After(end) {
			t.Errorf("ticket %d: %s at %v lies after the simulation's end %v", id, action, time.UnixMilli(at).UTC(), end)
		}
		if id == prevTicket && at < prevAt {
			t.Errorf("ticket %d: %s at %v comes before the earlier %s at %v", id, action, time.UnixMilli(at).UTC(),
				prevAction, time.UnixMilli(prevAt).UTC())
		}
		prevTicket, prevAt, prevAction = id, at, action
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if events == 0 {
		t.Fatal("no events were written")
	}
}

// checkMilestoneOrder fails when a ticket's milestones, where set, are not in
// the order dispatched, accepted, replied, reviewed, called back, closed. A
// reopened ticket keeps the milestones of its earlier round until the new
// round sets them again, so those at or before its latest dispatch are
// skipped. The simulator leaves at least a minute between two steps.
func checkMilestoneOrder(ctx context.Context, t *testing.T, db *store.DB) {
	t.Helper()
	names := []string{"dispatched_at", "accepted_at", "replied_at", "reviewed_at", "called_back_at", "closed_at"}
	rows, err := db.QueryContext(ctx, `SELECT id, reopen_count, dispatched_at, accepted_at, replied_at, reviewed_at,
		called_back_at, closed_at FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var closed int
	for rows.Next() {
		var (
			id      int64
			reopens int
			times   [6]sql.NullInt64
		)
		if err := rows.Scan(&id, &reopens, &times[0], &times[1], &times[2], &times[3], &times[4], &times[5]); err != nil {
			t.Fatal(err)
		}
		if times[5].Valid {
			closed++
		}
		last := -1
		for i, v := range times {
			if !v.Valid {
				continue
			}
			if reopens > 0 && i > 0 && times[0].Valid && v.Int64 <= times[0].Int64 {
				continue
			}
			if last >= 0 && v.Int64 < times[last].Int64 {
				t.Errorf("ticket %d: %s %v is before %s %v", id, names[i], time.UnixMilli(v.Int64).UTC(),
					names[last], time.UnixMilli(times[last].Int64).UTC())
			}
			last = i
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if closed == 0 {
		t.Fatal("no ticket was closed, so the milestone order was not checked")
	}
}
