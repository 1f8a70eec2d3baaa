package workflow_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"minyi/classify"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestRekind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var accesses []workflow.Access
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			Now: func() time.Time { return e.now },
			Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
				accesses = append(accesses, a)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", Kind: "建议", Body: "小区门口天天有人吵闹"})
		if err != nil {
			t.Fatal(err)
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")

		rejected := []struct {
			name  string
			actor ticket.Actor
			id    int64
			kind  string
			want  error
		}{
			{"handler", handler, tk.ID, "求助", ticket.ErrForbidden},
			{"unknown kind", centre, tk.ID, "闲聊", ticket.ErrInvalidInput},
			{"empty kind", centre, tk.ID, " ", ticket.ErrInvalidInput},
			{"unknown ticket", centre, 999999, "求助", workflow.ErrNotFound},
		}
		for _, c := range rejected {
			t.Run(c.name, func(t *testing.T) {
				if _, err := svc.Rekind(ctx, c.actor, c.id, c.kind); !errors.Is(err, c.want) {
					t.Fatalf("Rekind = %v, want %v", err, c.want)
				}
			})
		}

		got, err := svc.Rekind(ctx, centre, tk.ID, " 求助 ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != "求助" {
			t.Errorf("kind %q, want 求助", got.Kind)
		}
		if got.Version != tk.Version+1 {
			t.Errorf("version %d, want %d", got.Version, tk.Version+1)
		}
		if got.State != tk.State || got.Tag != tk.Tag || got.UnitID != tk.UnitID || !got.ReplyDue.Equal(tk.ReplyDue) {
			t.Errorf("rekind changed more than the kind: %+v, before %+v", got, tk)
		}
		// The same kind again records nothing.
		if _, err := svc.Rekind(ctx, centre, tk.ID, "求助"); err != nil {
			t.Fatal(err)
		}

		d, err := svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Kind != "求助" {
			t.Errorf("stored kind %q, want 求助", d.Ticket.Kind)
		}
		var rekinds []ticket.Event
		for _, ev := range d.Events {
			if ev.Action == workflow.ActRekind {
				rekinds = append(rekinds, ev)
			}
		}
		if len(rekinds) != 1 {
			t.Fatalf("%d rekind events, want 1", len(rekinds))
		}
		ev := rekinds[0]
		if ev.Details["from_kind"] != "建议" || ev.Details["to_kind"] != "求助" {
			t.Errorf("rekind event details %v, want 建议 to 求助", ev.Details)
		}
		if _, ok := ev.Details["from_kind_source"]; ok {
			t.Errorf("a kind the submission carried has a source in %v", ev.Details)
		}
		if ev.ActorName != centre.Name || ev.From != ev.To {
			t.Errorf("rekind event by %q from %s to %s", ev.ActorName, ev.From, ev.To)
		}

		var tag, source string
		var confidence float64
		if err := db.QueryRowContext(ctx, `SELECT tag, confidence, source FROM ticket_tags
			WHERE ticket_id = ? AND head = 'kind'`, tk.ID).Scan(&tag, &confidence, &source); err != nil {
			t.Fatal(err)
		}
		if tag != "求助" || confidence != 1 || source != "staff:centre1" {
			t.Errorf("ticket_tags kind row: %q %v %q, want 求助 1 staff:centre1", tag, confidence, source)
		}

		changes := 0
		for _, a := range accesses {
			if a.Action == "ticket.change" && a.Purpose == string(workflow.ActRekind) {
				changes++
				if a.TicketID != tk.ID || !slices.Equal(a.Fields, []string{"kind"}) || a.Result != "ok" {
					t.Errorf("audit record %+v", a)
				}
			}
		}
		if changes != 1 {
			t.Errorf("%d audit records of the change, want 1", changes)
		}

		if _, err := svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: centre, Action: ticket.ActInvalidate,
			Input: ticket.Input{Reason: "重复"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rekind(ctx, centre, tk.ID, "投诉"); !errors.Is(err, ticket.ErrTransition) {
			t.Fatalf("rekind of an ended ticket: %v, want ErrTransition", err)
		}
	})
}

// The old kind's source and confidence from the kind model go into the
// event, and the corrected ticket becomes an example for the kind head.
func TestRekindBecomesCorrection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "建议在学校门口增设减速带"})
		if err != nil {
			t.Fatal(err)
		}
		// The test tagger predicts no kind, so the test writes the row and
		// the kind that the kind model would have written.
		if _, err := db.ExecContext(ctx, `INSERT INTO ticket_tags (ticket_id, head, tag, confidence, source)
			VALUES (?, 'kind', '咨询', 0.61, 'model:kind:v2')`, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE tickets SET kind = '咨询' WHERE id = ?`, tk.ID); err != nil {
			t.Fatal(err)
		}
		before, err := classify.Corrections(ctx, db, "kind")
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != 0 {
			t.Fatalf("corrections before any rekind: %v", before)
		}

		centre := e.actor(t, "centre1")
		if _, err := e.svc.Rekind(ctx, centre, tk.ID, "建议"); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		ev := d.Events[len(d.Events)-1]
		if ev.Action != workflow.ActRekind {
			t.Fatalf("last event %s, want rekind", ev.Action)
		}
		if ev.Details["from_kind_source"] != "model:kind:v2" || ev.Details["from_kind_confidence"] != "0.610" {
			t.Errorf("rekind details %v, want source model:kind:v2 and confidence 0.610", ev.Details)
		}

		corrections, err := classify.Corrections(ctx, db, "kind")
		if err != nil {
			t.Fatal(err)
		}
		want := classify.Example{Text: joinedText(d.Ticket), Label: "建议"}
		if len(corrections) != 1 || corrections[0] != want {
			t.Errorf("kind corrections = %v, want only %v", corrections, want)
		}
		tagCorrections, err := classify.Corrections(ctx, db, "tag")
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range tagCorrections {
			if ex.Text == want.Text {
				t.Errorf("a kind change made a tag correction: %v", ex)
			}
		}
	})
}

// A complaint naming an officer goes to the discipline unit, so its kind
// cannot leave 投诉, while a change that leaves conduct handling alone works.
func TestRekindOfficerComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		centre := e.actor(t, "centre1")
		complaint, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Kind: "投诉", OfficerID: "o001",
			Body: "民警办事态度恶劣"})
		if err != nil {
			t.Fatal(err)
		}
		if !e.svc.ConductComplaint(complaint) {
			t.Fatalf("seed ticket is no conduct complaint: unit %q", complaint.UnitID)
		}
		if _, err := e.svc.Rekind(ctx, centre, complaint.ID, "建议"); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("rekind of an officer complaint: %v, want ErrInvalidInput", err)
		}
		d, err := e.svc.Get(ctx, centre, complaint.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Kind != "投诉" {
			t.Errorf("kind after the rejected change %q, want 投诉", d.Ticket.Kind)
		}

		plain, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Kind: "投诉", Body: "小区噪音扰民"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.svc.Rekind(ctx, centre, plain.ID, "表扬"); err != nil || got.Kind != "表扬" {
			t.Fatalf("rekind of a complaint without an officer = %v, %v; want kind 表扬", got, err)
		}
	})
}

// TestRekindSameKindConfirms keeps the model's kind, which makes the ticket
// a labelled example without an event, and checks that a second confirmation
// leaves the first one's source.
func TestRekindSameKindConfirms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "请问护照过期了在哪里换"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO ticket_tags (ticket_id, head, tag, confidence, source)
			VALUES (?, 'kind', '咨询', 0.55, 'model:kind:v3')`, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE tickets SET kind = '咨询' WHERE id = ?`, tk.ID); err != nil {
			t.Fatal(err)
		}
		source := func() string {
			t.Helper()
			var s string
			if err := db.QueryRowContext(ctx, `SELECT source FROM ticket_tags WHERE ticket_id = ? AND head = 'kind'`,
				tk.ID).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		centre := e.actor(t, "centre1")
		before, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Rekind(ctx, centre, tk.ID, "咨询"); err != nil {
			t.Fatal(err)
		}
		if got := source(); got != "staff:centre1" {
			t.Errorf("source after confirmation %q, want staff:centre1", got)
		}
		after, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Events) != len(before.Events) || after.Ticket.Version != before.Ticket.Version {
			t.Errorf("confirmation changed the ticket: events %d→%d, version %d→%d",
				len(before.Events), len(after.Events), before.Ticket.Version, after.Ticket.Version)
		}
		corrections, err := classify.Corrections(ctx, db, "kind")
		if err != nil {
			t.Fatal(err)
		}
		want := classify.Example{Text: joinedText(after.Ticket), Label: "咨询"}
		if len(corrections) != 1 || corrections[0] != want {
			t.Errorf("kind examples = %v, want only %v", corrections, want)
		}

		if _, err := e.svc.Rekind(ctx, e.actor(t, "centre2"), tk.ID, "咨询"); err != nil {
			t.Fatal(err)
		}
		if got := source(); got != "staff:centre1" {
			t.Errorf("source after a second confirmation %q, want the first staff:centre1", got)
		}
	})
}
