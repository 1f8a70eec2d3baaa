package workflow_test

import (
	"context"
	"errors"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func listed(t *testing.T, e *env, who ticket.Actor, f workflow.Filter, id int64) bool {
	t.Helper()
	list, err := e.svc.List(context.Background(), who, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range list {
		if tk.ID == id {
			return true
		}
	}
	return false
}

func TestCoHandling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		lead, co, third := e.actor(t, "dongguan"), e.actor(t, "binjiang"), e.actor(t, "songlin")
		centre := e.actor(t, "centre1")
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音扰民", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.UnitID != "ps-dongguan" {
			t.Fatalf("seed ticket went to %q", tk.UnitID)
		}
		e.act(t, tk.ID, lead, ticket.ActAccept, ticket.Input{})

		if _, err := e.svc.Get(ctx, co, tk.ID, "test"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("read before the invitation: %v, want ErrNotFound", err)
		}
		invite := workflow.Command{TicketID: tk.ID, Actor: co, Action: ticket.ActInviteCohandler,
			Input: ticket.Input{UnitID: "ps-binjiang"}}
		if _, err := e.svc.Act(ctx, invite); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("invitation by another station: %v, want ErrNotFound", err)
		}
		invite.Actor, invite.Input.UnitID = lead, "no-such-unit"
		if _, err := e.svc.Act(ctx, invite); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("invitation of an unknown unit: %v, want ErrInvalidInput", err)
		}
		e.act(t, tk.ID, lead, ticket.ActInviteCohandler, ticket.Input{UnitID: "ps-binjiang"})

		d, err := e.svc.Get(ctx, co, tk.ID, "test")
		if err != nil {
			t.Fatalf("co-handler read: %v", err)
		}
		if !d.Reader.CoHandler {
			t.Error("the co-handler's read is not marked as co-handling")
		}
		if got := ticket.Available(d.Ticket, d.Reader); len(got) != 1 || got[0] != ticket.ActNote {
			t.Errorf("co-handler actions = %v, want [note]", got)
		}
		if len(d.CoHandlers) != 1 || d.CoHandlers[0].UnitID != "ps-binjiang" {
			t.Errorf("co-handlers = %+v", d.CoHandlers)
		}
		if !listed(t, e, co, workflow.Filter{States: []ticket.State{ticket.Accepted}}, tk.ID) {
			t.Error("co-handler's list lacks the ticket")
		}
		if listed(t, e, co, workflow.Filter{UnitID: "ps-binjiang"}, tk.ID) {
			t.Error("the unit filter of the co-handler's own station lists the co-handled ticket")
		}

		e.act(t, tk.ID, co, ticket.ActNote, ticket.Input{Text: "已协助走访相邻商户"})
		reply := workflow.Command{TicketID: tk.ID, Actor: co, Action: ticket.ActReply, Input: ticket.Input{Reply: "已处理"}}
		if _, err := e.svc.Act(ctx, reply); !errors.Is(err, ticket.ErrForbidden) {
			t.Fatalf("co-handler reply: %v, want ErrForbidden", err)
		}
		d, err = e.svc.Get(ctx, lead, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		last := d.Events[len(d.Events)-1]
		if last.Action != ticket.ActNote || last.ActorID != co.ID || last.Details["text"] != "已协助走访相邻商户" {
			t.Fatalf("last event = %+v, want the co-handler's note", last)
		}
		if d.Ticket.State != ticket.Accepted {
			t.Fatalf("state after a note = %s", d.Ticket.State)
		}

		// A third station sees nothing, even when the caller sets CoHandler itself.
		forged := third
		forged.CoHandler = true
		for name, who := range map[string]ticket.Actor{"third": third, "forged": forged} {
			if _, err := e.svc.Get(ctx, who, tk.ID, "test"); !errors.Is(err, workflow.ErrNotFound) {
				t.Errorf("%s read: %v, want ErrNotFound", name, err)
			}
			note := workflow.Command{TicketID: tk.ID, Actor: who, Action: ticket.ActNote, Input: ticket.Input{Text: "x"}}
			if _, err := e.svc.Act(ctx, note); !errors.Is(err, workflow.ErrNotFound) {
				t.Errorf("%s note: %v, want ErrNotFound", name, err)
			}
			if listed(t, e, who, workflow.Filter{}, tk.ID) {
				t.Errorf("%s list holds the ticket", name)
			}
		}

		// A ticket dispatched to another unit leaves the co-handlers behind.
		e.act(t, tk.ID, lead, ticket.ActReturn, ticket.Input{Reason: "不属本所辖区"})
		e.act(t, tk.ID, centre, ticket.ActDispatch, ticket.Input{UnitID: "ps-nanmen"})
		if _, err := e.svc.Get(ctx, co, tk.ID, "test"); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("co-handler read after redispatch: %v, want ErrNotFound", err)
		}
		if listed(t, e, co, workflow.Filter{}, tk.ID) {
			t.Error("co-handler list holds the ticket after redispatch")
		}
	})
}

func TestCoHandlingRefusesConductComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12389", Kind: "投诉", OfficerID: "QC0001",
			Body: "民警执法态度恶劣"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.UnitID != e.prof.DisciplineUnit {
			t.Fatalf("conduct complaint went to %q, want %q", tk.UnitID, e.prof.DisciplineUnit)
		}
		for _, name := range []string{"ducha", "centre1"} {
			_, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: e.actor(t, name),
				Action: ticket.ActInviteCohandler, Input: ticket.Input{UnitID: "ps-binjiang"}})
			if !errors.Is(err, ticket.ErrInvalidInput) {
				t.Errorf("invitation by %s: %v, want ErrInvalidInput", name, err)
			}
		}
		// Even a row written past the workflow admits no one.
		if _, err := db.ExecContext(ctx, `INSERT INTO ticket_cohandlers (ticket_id, unit_id, unit_path, lead_unit_id, invited_at)
			VALUES (?, 'ps-binjiang', ?, ?, 0)`, tk.ID, e.prof.UnitPath("ps-binjiang"), tk.UnitID); err != nil {
			t.Fatal(err)
		}
		co := e.actor(t, "binjiang")
		if _, err := e.svc.Get(ctx, co, tk.ID, "test"); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("read of a conduct complaint: %v, want ErrNotFound", err)
		}
		if listed(t, e, co, workflow.Filter{}, tk.ID) {
			t.Error("list holds a conduct complaint")
		}
	})
}
