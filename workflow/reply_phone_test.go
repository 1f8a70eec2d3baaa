package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// TestReplyKeepsUnitPhone replies with the station's public service number,
// with and without its area code, and a citizen's mobile number. The reply
// keeps the public number and masks the mobile number.
func TestReplyKeepsUnitPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		p := *e.prof
		p.Units = append([]profile.Unit(nil), e.prof.Units...)
		for i := range p.Units {
			if p.Units[i].ID == "tb-qinghe" {
				p.Units[i].Phone = "0571-87650001"
			}
		}
		svc, err := workflow.New(workflow.Options{DB: db, Profile: &p, Protector: e.prot, Tagger: testTagger,
			Now: func() time.Time { return e.now }})
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "东关大街路口拥堵", CodeUnit: "tb-qinghe"})
		if err != nil {
			t.Fatal(err)
		}
		handler := e.actor(t, "tb-qinghe")
		for _, act := range []struct {
			a  ticket.Action
			in ticket.Input
		}{
			{ticket.ActAccept, ticket.Input{}},
			{ticket.ActReply, ticket.Input{Reply: "已安排疏导。如仍拥堵请拨打大队值班电话0571-87650001，" +
				"或直接拨87650001。邻居电话13912345678已转交。"}},
		} {
			if _, err := svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: handler, Action: act.a, Input: act.in}); err != nil {
				t.Fatalf("%s: %v", act.a, err)
			}
		}
		d, err := svc.Get(ctx, handler, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		reply := d.Ticket.Reply
		if !strings.Contains(reply, "0571-87650001") || !strings.Contains(reply, "直接拨87650001") {
			t.Errorf("reply %q lost the unit's public number", reply)
		}
		if strings.Contains(reply, "13912345678") {
			t.Errorf("reply %q keeps a citizen's mobile number", reply)
		}

		p.Units[0].Phone = "not a number"
		if _, err := workflow.New(workflow.Options{DB: db, Profile: &p, Protector: e.prot}); err == nil {
			t.Error("a unit phone that is not a number was accepted")
		}
	})
}
