package workflow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"minyi/classify"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestRetag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "小区门口天天有人吵闹"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != ticket.Triage || tk.Tag != "治安秩序" {
			t.Fatalf("seed ticket: state %s tag %q", tk.State, tk.Tag)
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		if _, err := e.svc.Retag(ctx, handler, tk.ID, "噪声扰民"); !errors.Is(err, ticket.ErrForbidden) {
			t.Fatalf("handler retag: %v, want ErrForbidden", err)
		}
		if _, err := e.svc.Retag(ctx, centre, tk.ID, "不存在的标签"); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("unknown tag: %v, want ErrInvalidInput", err)
		}
		if _, err := e.svc.Retag(ctx, centre, 999999, "噪声扰民"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("unknown ticket: %v, want ErrNotFound", err)
		}
		got, err := e.svc.Retag(ctx, centre, tk.ID, "噪声扰民")
		if err != nil {
			t.Fatal(err)
		}
		if got.Tag != "噪声扰民" || got.TagConfidence != 1 || got.TagSource != "staff:centre1" {
			t.Fatalf("after retag: tag %q confidence %v source %q", got.Tag, got.TagConfidence, got.TagSource)
		}
		if got.Version != tk.Version+1 {
			t.Fatalf("version %d, want %d", got.Version, tk.Version+1)
		}
		// The same tag again records nothing.
		if _, err := e.svc.Retag(ctx, centre, tk.ID, "噪声扰民"); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		var retags []ticket.Event
		for _, ev := range d.Events {
			if ev.Action == workflow.ActRetag {
				retags = append(retags, ev)
			}
		}
		if len(retags) != 1 {
			t.Fatalf("%d retag events, want 1", len(retags))
		}
		ev := retags[0]
		if ev.Details["from_tag"] != "治安秩序" || ev.Details["to_tag"] != "噪声扰民" || ev.ActorName != centre.Name {
			t.Fatalf("retag event: %+v", ev)
		}
		if ev.From != ticket.Triage || ev.To != ticket.Triage {
			t.Fatalf("retag event changed state: %s -> %s", ev.From, ev.To)
		}
		var stored string
		if err := db.QueryRowContext(ctx, `SELECT tag FROM ticket_tags WHERE ticket_id = ? AND head = 'tag'`, tk.ID).
			Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != "噪声扰民" {
			t.Fatalf("ticket_tags holds %q", stored)
		}
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: centre, Action: ticket.ActInvalidate,
			Input: ticket.Input{Reason: "重复"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Retag(ctx, centre, tk.ID, "治安秩序"); !errors.Is(err, ticket.ErrTransition) {
			t.Fatalf("retag of an ended ticket: %v, want ErrTransition", err)
		}
	})
}

func TestUrgentAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "小区噪音"})
		if err != nil {
			t.Fatal(err)
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		if err := e.svc.AcknowledgeUrgent(ctx, centre, tk.ID); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("acknowledge a ticket that is not urgent: %v", err)
		}
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: centre, Action: ticket.ActFlagUrgent,
			Input: ticket.Input{Reason: "有人持刀"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UrgentAlerts(ctx, handler); !errors.Is(err, ticket.ErrForbidden) {
			t.Fatalf("handler alerts: %v, want ErrForbidden", err)
		}
		alerts, err := e.svc.UrgentAlerts(ctx, centre)
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 1 || alerts[0].TicketID != tk.ID || alerts[0].Reason != "有人持刀" {
			t.Fatalf("alerts = %+v", alerts)
		}
		if err := e.svc.AcknowledgeUrgent(ctx, handler, tk.ID); !errors.Is(err, ticket.ErrForbidden) {
			t.Fatalf("handler acknowledges: %v", err)
		}
		for range 2 { // the second acknowledgement changes nothing
			if err := e.svc.AcknowledgeUrgent(ctx, centre, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
		if alerts, _ := e.svc.UrgentAlerts(ctx, centre); len(alerts) != 0 {
			t.Fatalf("alerts after acknowledgement: %+v", alerts)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND action = ?`,
			tk.ID, string(workflow.ActAcknowledgeUrgent)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d acknowledgement events, want 1", n)
		}
	})
}

func TestSupervisionQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var ids []int64
		for _, unit := range []string{"ps-dongguan", "ps-dongguan", "ps-binjiang"} {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: unit})
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != ticket.Dispatched {
				t.Fatalf("seed ticket at %s: %s", unit, tk.State)
			}
			ids = append(ids, tk.ID)
		}
		centre, leader := e.actor(t, "centre1"), e.actor(t, "qinghe-leader")
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: ids[0], Actor: centre, Action: ticket.ActSupervise,
			Input: ticket.Input{Due: e.now.Add(48 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SweepOverdue(ctx, e.now.Add(30*24*time.Hour)); err != nil || n != 3 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		board, err := e.svc.SupervisionBoard(ctx, centre)
		if err != nil {
			t.Fatal(err)
		}
		want := []workflow.UnitLoad{{UnitID: "ps-dongguan", Open: 2, Overdue: 2, Supervised: 1},
			{UnitID: "ps-binjiang", Open: 1, Overdue: 1}}
		if len(board) != len(want) {
			t.Fatalf("board = %+v", board)
		}
		for i := range want {
			if board[i] != want[i] {
				t.Errorf("board[%d] = %+v, want %+v", i, board[i], want[i])
			}
		}
		// The leader of the Qinghe branch sees Dongguan, not Binjiang.
		board, err = e.svc.SupervisionBoard(ctx, leader)
		if err != nil {
			t.Fatal(err)
		}
		if len(board) != 1 || board[0].UnitID != "ps-dongguan" {
			t.Fatalf("leader board = %+v", board)
		}
		list, err := e.svc.ListQueue(ctx, leader, workflow.QueueSupervision, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("leader supervision list has %d tickets, want 2", len(list))
		}
		for _, tk := range list {
			if tk.UnitID != "ps-dongguan" {
				t.Fatalf("leader sees ticket of %s", tk.UnitID)
			}
		}
	})
}

// TestDispatchCorrectionsAtomic dispatches with a tag and a kind correction.
// A dispatch that fails, to an unknown unit or on a ticket already
// dispatched, leaves the tag and the kind as they were. One that succeeds
// records both corrections before the dispatch event.
func TestDispatchCorrectionsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Kind: "咨询", Body: "小区门口天天有人吵闹"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != ticket.Triage {
			t.Fatalf("seed ticket is %s, want triage", tk.State)
		}
		centre := e.actor(t, "centre1")
		dispatch := func(unit, tag, kind string) error {
			t.Helper()
			_, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: centre, Action: ticket.ActDispatch,
				Input: ticket.Input{UnitID: unit}, Tag: tag, Kind: kind})
			return err
		}
		unchanged := func(step, tag, kind string) {
			t.Helper()
			d, err := e.svc.Get(ctx, centre, tk.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			if d.Ticket.Tag != tag || d.Ticket.Kind != kind {
				t.Errorf("%s: tag %q kind %q, want %q and %q", step, d.Ticket.Tag, d.Ticket.Kind, tag, kind)
			}
		}

		if err := dispatch("nosuch", "噪声扰民", "投诉"); err == nil {
			t.Fatal("dispatch to an unknown unit succeeded")
		}
		unchanged("failed dispatch", tk.Tag, "咨询")
		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: centre, Action: ticket.ActNote,
			Input: ticket.Input{Text: "备注"}, Tag: "噪声扰民"}); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Errorf("a note with a tag correction: %v, want ErrInvalidInput", err)
		}

		if err := dispatch("ps-dongguan", "噪声扰民", "投诉"); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Tag != "噪声扰民" || d.Ticket.Kind != "投诉" || d.Ticket.State != ticket.Dispatched {
			t.Fatalf("after dispatch: tag %q kind %q state %s", d.Ticket.Tag, d.Ticket.Kind, d.Ticket.State)
		}
		var actions []ticket.Action
		for _, ev := range d.Events {
			actions = append(actions, ev.Action)
		}
		n := len(actions)
		if n < 3 || actions[n-3] != workflow.ActRetag || actions[n-2] != workflow.ActRekind || actions[n-1] != ticket.ActDispatch {
			t.Errorf("events %v, want retag, rekind and dispatch last", actions)
		}

		// A stale triage form sent after the dispatch is refused and changes nothing.
		if err := dispatch("ps-binjiang", "治安秩序", "建议"); err == nil {
			t.Fatal("second dispatch of a dispatched ticket succeeded")
		}
		unchanged("stale dispatch", "噪声扰民", "投诉")
	})
}

// TestOldItemRaisesNoAlert submits the same emergency text as a fresh item
// and as an item received two days ago, such as an imported history row:
// both are flagged urgent, but only the fresh one alerts the centre.
func TestOldItemRaisesNoAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			Now: func() time.Time { return e.now }, Urgency: classify.Urgent})
		if err != nil {
			t.Fatal(err)
		}
		text := "楼下有人持刀砍人，快来"
		fresh, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: text})
		if err != nil {
			t.Fatal(err)
		}
		old, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: text + "！",
			ReceivedAt: e.now.Add(-48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !fresh.Urgent || !old.Urgent {
			t.Errorf("urgent: fresh %v, two days old %v; want both", fresh.Urgent, old.Urgent)
		}
		alerts, err := svc.UrgentAlerts(ctx, e.actor(t, "centre1"))
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 1 || alerts[0].TicketID != fresh.ID {
			t.Errorf("alerts = %+v, want only ticket %d", alerts, fresh.ID)
		}
	})
}
