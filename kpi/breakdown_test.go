package kpi_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"minyi/kpi"
	"minyi/store"
	"minyi/store/storetest"
)

func TestTrendAndCountBy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertScenario(t, db, scenario)
		loc, _ := time.LoadLocation("Asia/Shanghai")
		f := kpi.Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 3, 2, 0, 0, 0, 0, loc),
			Loc: loc}

		// The expected days are counted here from the scenario rows, by the
		// definitions of Counts.Received and Counts.Closed.
		want := map[string]*kpi.DayCount{"2026-03-01": {Date: "2026-03-01"}, "2026-03-02": {Date: "2026-03-02"}}
		for _, r := range scenario {
			if d := want[r.received.In(loc).Format(time.DateOnly)]; d != nil {
				d.Received++
			}
			if d := want[r.closed.In(loc).Format(time.DateOnly)]; d != nil && r.state == "closed" && !r.closed.IsZero() {
				d.Closed++
			}
		}
		trend, err := kpi.Trend(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		wantTrend := []kpi.DayCount{*want["2026-03-01"], *want["2026-03-02"]}
		if !reflect.DeepEqual(trend, wantTrend) {
			t.Errorf("Trend = %+v, want %+v", trend, wantTrend)
		}

		report, err := kpi.Compute(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		var received, closed int64
		for _, d := range trend {
			received += d.Received
			closed += d.Closed
		}
		if received != report.Counts.Received || closed != report.Counts.Closed {
			t.Errorf("trend sums %d received, %d closed; Compute counts %d, %d",
				received, closed, report.Counts.Received, report.Counts.Closed)
		}

		groups, err := kpi.CountBy(ctx, db, f, kpi.ByChannel)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Key != "test" || groups[0].Received != report.Counts.Received {
			t.Errorf("CountBy channel = %+v, want one group test with %d", groups, report.Counts.Received)
		}
		if _, err := kpi.CountBy(ctx, db, f, kpi.Dimension("body")); err == nil {
			t.Error("CountBy accepted an unknown dimension")
		}
	})
}

func TestRising(t *testing.T) {
	cur := []kpi.Group{{Key: "噪声扰民", Received: 30}, {Key: "交通拥堵", Received: 12}, {Key: "", Received: 50},
		{Key: "盗窃", Received: 5}, {Key: "诈骗", Received: 9}}
	prev := []kpi.Group{{Key: "噪声扰民", Received: 10}, {Key: "交通拥堵", Received: 11}, {Key: "诈骗", Received: 1}}
	got := kpi.Rising(cur, prev, 3)
	want := []kpi.Change{{Key: "噪声扰民", Current: 30, Previous: 10}, {Key: "诈骗", Current: 9, Previous: 1},
		{Key: "盗窃", Current: 5, Previous: 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Rising = %+v, want %+v", got, want)
	}
}
