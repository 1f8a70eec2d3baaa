package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

func TestGroupCommitConcurrentSubmissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		g := workflow.NewGroupCommitter(e.svc, 16)
		defer g.Close()

		const n = 60
		tickets := make([]*ticket.Ticket, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sub := workflow.Submission{Channel: "12345", ExternalID: fmt.Sprintf("g-%d", i),
					Body: fmt.Sprintf("第%d号楼下夜间施工噪音扰民", i), Phone: "13900001111"}
				var created bool
				tickets[i], created, errs[i] = g.Submit(ctx, sub)
				if errs[i] == nil && !created {
					errs[i] = errors.New("not created")
				}
			}()
		}
		wg.Wait()
		ids := map[int64]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			if tickets[i].ID == 0 || ids[tickets[i].ID] {
				t.Fatalf("submission %d: ticket id %d is zero or repeated", i, tickets[i].ID)
			}
			ids[tickets[i].ID] = true
		}

		var count, events int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != n {
			t.Errorf("tickets = %d, want %d", count, n)
		}
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_events WHERE action = 'create'`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if events != n {
			t.Errorf("create events = %d, want %d", events, n)
		}
		hits, err := search.Find(ctx, db, search.Query{Text: "第7号楼"})
		if err != nil {
			t.Fatal(err)
		}
		if hits.Total != 1 {
			t.Errorf("search for one grouped ticket found %d", hits.Total)
		}
		groups, items := g.Stats()
		if items != n {
			t.Errorf("items written = %d, want %d", items, n)
		}
		if groups > int64(n) || groups < int64(n)/16 {
			t.Errorf("groups = %d for %d items of at most 16", groups, n)
		}
		t.Logf("%d submissions in %d groups", items, groups)
	})
}

func TestGroupCommitSameExternalID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		g := workflow.NewGroupCommitter(e.svc, 0)
		defer g.Close()

		const n = 20
		type result struct {
			id      int64
			created bool
			err     error
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := "同一件事：路口信号灯坏了"
				if i == n-1 {
					body = "另一件事：路灯不亮" // the same id with other text
				}
				tk, created, err := g.Submit(ctx, workflow.Submission{Channel: "110", ExternalID: "same", Body: body})
				results[i] = result{created: created, err: err}
				if tk != nil {
					results[i].id = tk.ID
				}
			}()
		}
		wg.Wait()

		created, reused := 0, 0
		var id int64
		for i, r := range results {
			switch {
			case errors.Is(r.err, workflow.ErrIDReused):
				reused++
			case r.err != nil:
				t.Fatalf("submission %d: %v", i, r.err)
			default:
				if id == 0 {
					id = r.id
				}
				if r.id != id {
					t.Errorf("submission %d got ticket %d, another got %d", i, r.id, id)
				}
				if r.created {
					created++
				}
			}
		}
		var count int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != 1 || created != 1 {
			t.Fatalf("tickets = %d, created = %d; want 1 and 1", count, created)
		}
		// The one with other text is rejected unless it won the race, in
		// which case every other submission is the one rejected.
		if reused != 1 && reused != n-1 {
			t.Errorf("ErrIDReused = %d, want 1 or %d", reused, n-1)
		}
	})
}

func TestGroupCommitRejectsAndCloses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		g := workflow.NewGroupCommitter(e.svc, 0)
		if _, _, err := g.Submit(ctx, workflow.Submission{Channel: "110", Body: " \u200b "}); !errors.Is(err, workflow.ErrInvalid) {
			t.Errorf("blank body: err = %v, want ErrInvalid", err)
		}
		if _, created, err := g.Submit(ctx, workflow.Submission{Channel: "110", Body: "有人打架"}); err != nil || !created {
			t.Fatalf("valid submission: created %v, err %v", created, err)
		}
		g.Close()
		g.Close() // a second Close is harmless
		if _, _, err := g.Submit(ctx, workflow.Submission{Channel: "110", Body: "有人打架"}); !errors.Is(err, workflow.ErrClosed) {
			t.Errorf("after Close: err = %v, want ErrClosed", err)
		}
	})
}
