package workflow_test

import (
	"context"
	"strings"
	"testing"

	"minyi/search"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func TestSearchFilterHidesLongNumbers(t *testing.T) {
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
		centre := e.actor(t, "centre1")
		for _, tc := range []struct {
			text   string
			hidden string // must not appear in the recorded filter
			want   string // must appear in the recorded filter
		}{
			{"110105194912310021", "110105194912310021", "q=[数字]"}, // wrong check digit
			{"身份证11010519491231002X", "11010519491231002", "q=身份证"},
			{"噪音 123456789012345", "123456789012345", "q=噪音 [数字]"},
			{"１１０１０５１９４９１２３１００２１", "１１０１０５１９４９", ""},
			{"编号12345678901234", "", "q=编号12345678901234"}, // 14 digits stay
			// A name typed by staff is recorded, so that auditors see what was looked for.
			{"王小明", "", "q=王小明"},
		} {
			recorded = nil
			if _, err := svc.Search(ctx, centre, "", search.Query{Text: tc.text}); err != nil {
				t.Fatalf("search %q: %v", tc.text, err)
			}
			if len(recorded) != 1 {
				t.Fatalf("search %q: recorded %d accesses, want 1", tc.text, len(recorded))
			}
			filter := recorded[0].Filter
			if tc.hidden != "" && strings.Contains(filter, tc.hidden) {
				t.Errorf("search %q: recorded filter %q contains %q", tc.text, filter, tc.hidden)
			}
			if !strings.Contains(filter, tc.want) {
				t.Errorf("search %q: recorded filter %q, want it to contain %q", tc.text, filter, tc.want)
			}
		}

		recorded = nil
		if _, err := svc.Export(ctx, centre, "", search.Query{Text: "110105194912310021"}); err != nil {
			t.Fatal(err)
		}
		if len(recorded) != 1 || strings.Contains(recorded[0].Filter, "110105194912310021") {
			t.Errorf("export recorded %+v, want one access without the ID number", recorded)
		}
	})
}
