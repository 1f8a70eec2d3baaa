package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyi/dispatch"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// noiseTagger tags every text as noise, or as traffic when it contains 拥堵.
type noiseTagger struct{}

func (noiseTagger) Predict(_ context.Context, head, text string) (dispatch.Prediction, bool) {
	if head != "tag" {
		return dispatch.Prediction{}, false
	}
	if strings.Contains(text, "拥堵") {
		return dispatch.Prediction{Label: "交通拥堵", Confidence: 0.9, Source: "model:tag:v1"}, true
	}
	return dispatch.Prediction{Label: "噪声扰民", Confidence: 0.9, Source: "model:tag:v1"}, true
}

func TestRoutingQuality(t *testing.T) {
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
		prot, err := privacy.NewProtector(keys)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
		svc, err := workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: noiseTagger{},
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		submit := func(sub workflow.Submission) *ticket.Ticket {
			tk, _, err := svc.Submit(ctx, sub)
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != ticket.Dispatched {
				t.Fatalf("ticket %q is %s, want dispatched (%s)", sub.Body, tk.State, tk.TriageReason)
			}
			return tk
		}
		account := func(name string) ticket.Actor {
			a, err := org.AccountByName(ctx, db, name)
			if err != nil {
				t.Fatal(err)
			}
			return a.Actor()
		}
		// Three noise items by the station code rule, two of which 东关 returns;
		// one traffic item by the detachment rule, kept.
		var noise []*ticket.Ticket
		for range 3 {
			noise = append(noise, submit(workflow.Submission{Channel: "qr", Body: "楼上深夜很吵", CodeUnit: "ps-dongguan"}))
		}
		submit(workflow.Submission{Channel: "12345", Body: "路口早高峰拥堵"})
		for _, tk := range noise[:2] {
			if _, err := svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: account("dongguan"),
				Action: ticket.ActReturn, Input: ticket.Input{Reason: "不在本所辖区"}}); err != nil {
				t.Fatal(err)
			}
		}

		r := dispatch.NewRouter(p)
		q, err := r.RoutingQuality(ctx, db, now.Add(-time.Hour), now.Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		if q.Returns != 2 {
			t.Errorf("returns = %d, want 2", q.Returns)
		}
		wantFirst := []struct {
			name string
			rows []dispatch.QualityRow
			key  string
		}{
			{"by rule", q.ByRule, "rule:噪声扰民-扫码派出所"},
			{"by tag", q.ByTag, "噪声扰民"},
			{"by unit", q.ByUnit, "ps-dongguan"},
		}
		for _, w := range wantFirst {
			t.Run(w.name, func(t *testing.T) {
				if len(w.rows) != 2 {
					t.Fatalf("rows = %+v, want 2", w.rows)
				}
				top := w.rows[0]
				if top.Key != w.key || top.Dispatched != 3 || top.Returned != 2 {
					t.Errorf("first row = %+v, want %s with 3 dispatched and 2 returned", top, w.key)
				}
				if top.ReturnRate < 0.66 || top.ReturnRate > 0.67 {
					t.Errorf("return rate = %.3f, want 2/3", top.ReturnRate)
				}
				if w.rows[1].Returned != 0 || w.rows[1].Dispatched != 1 {
					t.Errorf("second row = %+v, want 1 dispatched and none returned", w.rows[1])
				}
			})
		}
		if q.ByUnit[0].Name != "东关派出所" {
			t.Errorf("unit name = %q, want 东关派出所", q.ByUnit[0].Name)
		}
		empty, err := r.RoutingQuality(ctx, db, now.Add(time.Hour), now.Add(2*time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		if empty.Returns != 0 || len(empty.ByRule) != 0 {
			t.Errorf("window without events: %+v", empty)
		}
		wangjiang, err := r.RoutingQuality(ctx, db, now.Add(-time.Hour), now.Add(time.Hour), p.UnitPath("br-wangjiang"))
		if err != nil {
			t.Fatal(err)
		}
		if wangjiang.Returns != 0 || len(wangjiang.ByUnit) != 0 {
			t.Errorf("another branch's scope sees %+v", wangjiang)
		}
		qinghe, err := r.RoutingQuality(ctx, db, now.Add(-time.Hour), now.Add(time.Hour), p.UnitPath("br-qinghe"))
		if err != nil {
			t.Fatal(err)
		}
		if qinghe.Returns != 2 || len(qinghe.ByUnit) != 1 {
			t.Errorf("清河 scope: returns %d, units %+v; want 2 returns of 东关 only", qinghe.Returns, qinghe.ByUnit)
		}
	})
}
