package workflow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"minyi/dedup"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestMergeAndUnmerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		submit := func(phone string) *ticket.Ticket {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Title: "路口拥堵",
				Body: "早高峰东关大街路口拥堵严重", CodeUnit: "tb-qinghe", Phone: phone})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		lead, dup, third := submit("13800000001"), submit("13800000002"), submit("13800000003")
		if dup.State != ticket.Dispatched {
			t.Fatalf("duplicate state = %s, want dispatched", dup.State)
		}
		if err := e.svc.SuggestDuplicate(ctx, dup.ID, lead.ID, 0.97, []string{"text 97% alike"}); err != nil {
			t.Fatal(err)
		}
		centre := e.actor(t, "centre1")

		merged, err := e.svc.MergeDuplicate(ctx, centre, dup.ID, lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if merged.State != ticket.Merged || merged.MergedInto != lead.ID {
			t.Fatalf("after merge: state %s into %d", merged.State, merged.MergedInto)
		}
		e.act(t, third.ID, centre, ticket.ActMerge, ticket.Input{Into: lead.ID})
		followers, err := e.svc.Followers(ctx, lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(followers) != 2 || followers[0].ID != dup.ID || followers[1].ID != third.ID {
			t.Fatalf("followers = %+v, want tickets %d and %d", followers, dup.ID, third.ID)
		}
		if followers[0].CitizenKey == "" || followers[0].CitizenKey == followers[1].CitizenKey {
			t.Errorf("followers lost their own citizens: keys %q and %q", followers[0].CitizenKey, followers[1].CitizenKey)
		}
		sg, err := e.svc.Suggestions(ctx, dup.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg) != 1 || sg[0].Status != "merged" {
			t.Fatalf("suggestions after merge = %+v", sg)
		}

		handler := e.actor(t, "tb-qinghe")
		if _, err := e.svc.Unmerge(ctx, handler, dup.ID, "误合并"); !errors.Is(err, ticket.ErrForbidden) &&
			!errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("handler unmerge: err = %v, want forbidden or not found", err)
		}
		back, err := e.svc.Unmerge(ctx, centre, dup.ID, "不是同一件事")
		if err != nil {
			t.Fatal(err)
		}
		if back.State != ticket.Dispatched || back.MergedInto != 0 || !back.EndedAt.IsZero() {
			t.Fatalf("after unmerge: state %s into %d ended %v", back.State, back.MergedInto, back.EndedAt)
		}
		if back.UnitID != dup.UnitID || !back.ReplyDue.Equal(dup.ReplyDue) {
			t.Errorf("unmerge changed unit %q→%q or deadline %v→%v", dup.UnitID, back.UnitID, dup.ReplyDue, back.ReplyDue)
		}
		d, err := e.svc.Get(ctx, centre, dup.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		last := d.Events[len(d.Events)-1]
		if last.Action != workflow.ActUnmerge || last.From != ticket.Merged || last.To != ticket.Dispatched ||
			last.Reason != "不是同一件事" || last.Details["from"] == "" {
			t.Errorf("last event = %+v, want an unmerge event", last)
		}
		sg, _ = e.svc.Suggestions(ctx, dup.ID)
		if len(sg) != 1 || sg[0].Status != "suggested" {
			t.Errorf("suggestions after unmerge = %+v", sg)
		}
		if _, err := e.svc.Unmerge(ctx, centre, dup.ID, "again"); !errors.Is(err, ticket.ErrTransition) {
			t.Errorf("second unmerge: err = %v, want ErrTransition", err)
		}
		// The restored ticket moves on in the loop as before.
		e.act(t, dup.ID, handler, ticket.ActAccept, ticket.Input{})
	})
}

func TestCheckDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		idx := dedup.NewIndex(dedup.Options{})
		body := "锦绣花园小区门口每天晚上都有人占道摆摊，烧烤油烟很大，垃圾满地，居民出入很不方便，希望派人管一管。"
		var tickets []*ticket.Ticket
		for _, b := range []string{body, "滨江派出所办理户口迁移要跑三次，窗口人员态度冷淡，希望简化手续。", string([]rune(body)[:36])} {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Title: "反映问题", Body: b})
			if err != nil {
				t.Fatal(err)
			}
			tickets = append(tickets, tk)
			if _, err := idx.CheckTicket(ctx, suggester{e.svc}, tk); err != nil {
				t.Fatal(err)
			}
		}
		sg, err := e.svc.Suggestions(ctx, tickets[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg) != 1 || sg[0].DuplicateOf != tickets[0].ID || sg[0].Status != "suggested" || len(sg[0].Reasons) == 0 {
			t.Fatalf("suggestions = %+v, want one of ticket %d", sg, tickets[0].ID)
		}
		if sg, _ := e.svc.Suggestions(ctx, tickets[1].ID); len(sg) != 0 {
			t.Errorf("unrelated ticket has suggestions %+v", sg)
		}
		if idx.Len() != 3 {
			t.Errorf("index holds %d tickets, want 3", idx.Len())
		}
	})
}

// suggester stores the matches of a dedup.Index as the service's suggestions.
type suggester struct{ svc *workflow.Service }

func (s suggester) SuggestDuplicates(ctx context.Context, id int64, matches []dedup.Match) error {
	dups := make([]workflow.DuplicateSuggestion, len(matches))
	for i, m := range matches {
		dups[i] = workflow.DuplicateSuggestion{Of: m.ID, Score: m.Score, Reasons: m.Reasons}
	}
	return s.svc.SuggestDuplicates(ctx, id, dups)
}

// TestReopenedHook closes a ticket and reopens it, and merges another
// through the plain merge action and unmerges it. OnEnded and OnReopened
// see both moves, so a duplicate index can drop and restore the tickets,
// and the merge marks the duplicate suggestion merged.
func TestReopenedHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var ended, reopened []int64
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			Now:        func() time.Time { return e.now },
			OnEnded:    func(id int64) { ended = append(ended, id) },
			OnReopened: func(_ context.Context, tk *ticket.Ticket) { reopened = append(reopened, tk.ID) }})
		if err != nil {
			t.Fatal(err)
		}
		e.svc = svc
		submit := func(body string) *ticket.Ticket {
			tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: body, CodeUnit: "tb-qinghe"})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		closed, lead, dup := submit("东关大街路口早高峰拥堵"), submit("锦绣花园门口占道摆摊"), submit("锦绣花园门口占道摆摊严重")
		centre, handler := e.actor(t, "centre1"), e.actor(t, "tb-qinghe")

		e.act(t, closed.ID, handler, ticket.ActAccept, ticket.Input{})
		e.act(t, closed.ID, handler, ticket.ActReply, ticket.Input{Reply: "已安排警力疏导"})
		e.act(t, closed.ID, centre, ticket.ActApprove, ticket.Input{})
		e.act(t, closed.ID, centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied})
		e.act(t, closed.ID, centre, ticket.ActReopen, ticket.Input{Reason: "群众反映仍然拥堵"})

		if err := svc.SuggestDuplicate(ctx, dup.ID, lead.ID, 0.9, []string{"text 90% alike"}); err != nil {
			t.Fatal(err)
		}
		e.act(t, dup.ID, centre, ticket.ActMerge, ticket.Input{Into: lead.ID})
		if sg, _ := svc.Suggestions(ctx, dup.ID); len(sg) != 1 || sg[0].Status != "merged" {
			t.Errorf("suggestions after the merge action = %+v, want one merged", sg)
		}
		if _, err := svc.Unmerge(ctx, centre, dup.ID, "不是同一件事"); err != nil {
			t.Fatal(err)
		}

		if len(ended) != 2 || ended[0] != closed.ID || ended[1] != dup.ID {
			t.Errorf("OnEnded saw %v, want [%d %d]", ended, closed.ID, dup.ID)
		}
		if len(reopened) != 2 || reopened[0] != closed.ID || reopened[1] != dup.ID {
			t.Errorf("OnReopened saw %v, want [%d %d]", reopened, closed.ID, dup.ID)
		}
	})
}

// TestMergeChainFollowers merges X into Y and later Y into Z. Once Z's
// reply is approved, both X and Y wait in the follower queue, and X's
// citizen can be called back, because the reply of Z covers the chain.
func TestMergeChainFollowers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		submit := func(body string) *ticket.Ticket {
			tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: body, CodeUnit: "tb-qinghe"})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		x, y, z := submit("东关大街路口拥堵"), submit("东关大街路口早高峰拥堵"), submit("东关大街路口每天早上都拥堵")
		centre, handler := e.actor(t, "centre1"), e.actor(t, "tb-qinghe")
		e.act(t, x.ID, centre, ticket.ActMerge, ticket.Input{Into: y.ID})
		e.act(t, y.ID, centre, ticket.ActMerge, ticket.Input{Into: z.ID})

		if _, err := e.svc.Act(ctx, workflow.Command{TicketID: x.ID, Actor: centre, Action: ticket.ActCallback,
			Input: ticket.Input{Outcome: ticket.Satisfied}}); !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("call-back before the lead's reply is approved: %v, want ErrInvalidInput", err)
		}
		e.act(t, z.ID, handler, ticket.ActAccept, ticket.Input{})
		e.act(t, z.ID, handler, ticket.ActReply, ticket.Input{Reply: "已安排警力疏导"})
		e.act(t, z.ID, centre, ticket.ActApprove, ticket.Input{})

		merged, err := e.svc.Get(ctx, centre, x.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if id, err := e.svc.MergeLeadID(ctx, merged.Ticket); err != nil || id != z.ID {
			t.Errorf("lead of x = %d (%v), want %d", id, err, z.ID)
		}
		queue, err := e.svc.ListQueue(ctx, centre, workflow.QueueFollowers, 50)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[int64]bool{}
		for _, tk := range queue {
			listed[tk.ID] = true
		}
		if len(queue) != 2 || !listed[x.ID] || !listed[y.ID] {
			t.Errorf("follower queue %v, want tickets %d and %d", listed, x.ID, y.ID)
		}
		e.act(t, x.ID, centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied})
	})
}
