package workflow_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// TestSearchIndexesOnSubmitAndReply checks that a new ticket is found by a
// word of its body and, after the reply, by a word of the reply, without a
// reindex.
func TestSearchIndexesOnSubmitAndReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "楼上夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		centre, station := e.actor(t, "centre1"), e.actor(t, "dongguan")
		res, err := e.svc.Search(ctx, centre, "", search.Query{Text: "噪音"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Rows) != 1 || res.Rows[0].ID != tk.ID {
			t.Fatalf("search after submit: %+v, want ticket %d; Submit must call indexCreated once the ticket has its id",
				res, tk.ID)
		}

		e.act(t, tk.ID, station, ticket.ActAccept, ticket.Input{})
		e.act(t, tk.ID, station, ticket.ActReply, ticket.Input{Reply: "已约谈装修业主，限定施工时间"})
		res, err = e.svc.Search(ctx, station, "", search.Query{Text: "施工时间"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("search for reply words: total %d, want 1; Act must call indexForSearch after a reply", res.Total)
		}
	})
}

// TestSearchIndexesBatch checks that every ticket of a SubmitBatch is found,
// when the batch's terms are written together and tickets share terms.
func TestSearchIndexesBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		bodies := []string{"楼上夜间噪音", "广场舞噪音扰民", "路口红灯不亮", "噪音"}
		var subs []workflow.Submission
		for _, b := range bodies {
			subs = append(subs, workflow.Submission{Channel: "qr", Body: b, CodeUnit: "ps-dongguan"})
		}
		res, err := e.svc.SubmitBatch(ctx, subs)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int]int64{}
		for i, r := range res {
			if r.Err != nil || !r.Created {
				t.Fatalf("submission %d: %+v", i, r)
			}
			ids[i] = r.Ticket.ID
		}
		centre := e.actor(t, "centre1")
		for _, tc := range []struct {
			query string
			want  []int // indexes into bodies
		}{
			{"噪音", []int{0, 1, 3}},
			{"红灯", []int{2}},
			{"扰", []int{1}},
			{"夜间 噪音", []int{0}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				found, err := e.svc.Search(ctx, centre, "", search.Query{Text: tc.query})
				if err != nil {
					t.Fatal(err)
				}
				got := map[int64]bool{}
				for _, r := range found.Rows {
					got[r.ID] = true
				}
				if found.Total != len(tc.want) || len(got) != len(tc.want) {
					t.Fatalf("total %d, rows %v, want bodies %v", found.Total, got, tc.want)
				}
				for _, i := range tc.want {
					if !got[ids[i]] {
						t.Errorf("ticket of %q not found", bodies[i])
					}
				}
			})
		}
	})
}

func TestSearchScopeAndRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var recorded []workflow.Access
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
				recorded = append(recorded, a)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		for _, unit := range []string{"ps-dongguan", "ps-binjiang"} {
			if _, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: unit}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := search.Reindex(ctx, db, 100, nil); err != nil {
			t.Fatal(err)
		}
		binjiang := e.actor(t, "binjiang")
		if _, err := svc.Search(ctx, binjiang, "ps-dongguan", search.Query{Text: "噪音"}); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("search of another station's unit: %v, want ErrNotFound", err)
		}
		// The phone number typed into the query is masked before it is searched or recorded.
		res, err := svc.Export(ctx, binjiang, "", search.Query{Text: "噪音 13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 {
			t.Errorf("export total %d, want 0: the masked phone matches no ticket", res.Total)
		}
		res, err = svc.Export(ctx, binjiang, "", search.Query{Text: "噪音"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Rows[0].UnitID != "ps-binjiang" {
			t.Errorf("export = %+v, want the one ticket of ps-binjiang", res.Rows)
		}
		if len(recorded) < 2 {
			t.Fatalf("recorded %d accesses, want the two exports", len(recorded))
		}
		masked, last := recorded[len(recorded)-2], recorded[len(recorded)-1]
		if strings.Contains(masked.Filter, "13912345678") {
			t.Errorf("recorded filter %q contains the phone number", masked.Filter)
		}
		if last.Action != "ticket.export" || last.Count != 1 || !strings.Contains(last.Filter, "q=噪音") {
			t.Errorf("recorded %+v, want ticket.export of 1 row with the query", last)
		}
	})
}
