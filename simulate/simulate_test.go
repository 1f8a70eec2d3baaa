package simulate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
