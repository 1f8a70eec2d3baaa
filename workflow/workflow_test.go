package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"minyi/dispatch"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// keywordTagger predicts by the first keyword found in the text, so tests
// control the tag and its confidence exactly.
type keywordTagger map[string]dispatch.Prediction

func (k keywordTagger) Predict(_ context.Context, head, text string) (dispatch.Prediction, bool) {
	if head != "tag" {
		return dispatch.Prediction{}, false
	}
	for kw, p := range k {
		if strings.Contains(text, kw) {
			return p, true
		}
	}
	return dispatch.Prediction{Label: "治安秩序", Confidence: 0.2, Source: "model:tag:v1"}, true
}

var testTagger = keywordTagger{
	"拥堵": {Label: "交通拥堵", Confidence: 0.92, Source: "model:tag:v1"},
	"噪音": {Label: "噪声扰民", Confidence: 0.88, Source: "model:tag:v1"},
}

type env struct {
	svc  *workflow.Service
	db   *store.DB
	prof *profile.Profile
	prot *privacy.Protector
	now  time.Time
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Load("police")
	if err != nil {
		t.Fatal(err)
	}
	if err := org.Sync(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, prof: p, prot: prot, now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	e.svc, err = workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: testTagger,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) actor(t *testing.T, name string) ticket.Actor {
	t.Helper()
	a, err := org.AccountByName(context.Background(), e.db, name)
	if err != nil {
		t.Fatal(err)
	}
	return a.Actor()
}

func (e *env) act(t *testing.T, id int64, who ticket.Actor, act ticket.Action, in ticket.Input) *ticket.Ticket {
	t.Helper()
	e.now = e.now.Add(time.Hour)
	tk, err := e.svc.Act(context.Background(), workflow.Command{TicketID: id, Actor: who, Action: act, Input: in})
	if err != nil {
		t.Fatalf("%s: %v", act, err)
	}
	return tk
}

func TestSubmitDispatchesByRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tk, created, err := e.svc.Submit(context.Background(), workflow.Submission{
			Channel: "qr", Title: "路口拥堵", Body: "早高峰路口拥堵严重", CodeUnit: "tb-qinghe"})
		if err != nil {
			t.Fatal(err)
		}
		if !created || tk.State != ticket.Dispatched || tk.UnitID != "tb-qinghe" {
			t.Fatalf("created %v state %s unit %s", created, tk.State, tk.UnitID)
		}
		if tk.AcceptDue.IsZero() || tk.ReplyDue.IsZero() || !tk.ReplyDue.After(tk.AcceptDue) {
			t.Fatalf("deadlines accept %v reply %v", tk.AcceptDue, tk.ReplyDue)
		}
		if tk.TagSource != "model:tag:v1" || tk.RouteSource == "" {
			t.Fatalf("tag source %q route source %q", tk.TagSource, tk.RouteSource)
		}
		d, err := e.svc.Get(context.Background(), e.actor(t, "centre1"), tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Events) != 2 || d.Events[0].Action != ticket.ActCreate || d.Events[1].Action != ticket.ActDispatch {
			t.Fatalf("timeline = %+v", d.Events)
		}
		if !strings.Contains(d.Events[1].Details["explain"], "tag rule") {
			t.Fatalf("dispatch event explains %q", d.Events[1].Details["explain"])
		}
	})
}

func TestSubmitLowConfidenceGoesToTriage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "12345", Body: "有件事想反映一下"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != ticket.Triage || !strings.Contains(tk.TriageReason, "below the threshold") {
			t.Fatalf("state %s reason %q", tk.State, tk.TriageReason)
		}
	})
}

func TestSubmitIsIdempotentByExternalID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sub := workflow.Submission{Channel: "12345", ExternalID: "A-1", Body: "小区夜间噪音"}
		first, created, err := e.svc.Submit(context.Background(), sub)
		if err != nil || !created {
			t.Fatalf("first: created %v err %v", created, err)
		}
		second, created, err := e.svc.Submit(context.Background(), sub)
		if err != nil || created || second.ID != first.ID {
			t.Fatalf("second: created %v id %d (first %d) err %v", created, second.ID, first.ID, err)
		}
		var n int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("tickets = %d, err %v", n, err)
		}
	})
}

// TestSubmitConcurrentIDReuse submits items with one external id and
// different texts at the same time. The first insert wins and every other
// caller learns that its item was not stored, including those whose own
// check ran before the winner committed.
func TestSubmitConcurrentIDReuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		created := make([]bool, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sub := workflow.Submission{Channel: "12345", ExternalID: "R1", Body: fmt.Sprintf("第%d件：路口拥堵", i)}
				_, created[i], errs[i] = e.svc.Submit(context.Background(), sub)
			}()
		}
		wg.Wait()
		winners, reused := 0, 0
		for i := range n {
			switch {
			case created[i] && errs[i] == nil:
				winners++
			case errors.Is(errs[i], workflow.ErrIDReused):
				reused++
			default:
				t.Errorf("submission %d: created %v, err %v; want created or ErrIDReused", i, created[i], errs[i])
			}
		}
		if winners != 1 || reused != n-1 {
			t.Errorf("%d created and %d ErrIDReused, want 1 and %d", winners, reused, n-1)
		}
	})
}

// TestSubmitResendWithWhiteSpace resends an item with a padded external id
// and its text with a trailing space and Windows line ends: it is the same
// item, not a new ticket and not a reused id. An id of blanks is no id.
func TestSubmitResendWithWhiteSpace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		first, created, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: "WS-1",
			Title: "路灯", Body: "路灯坏了\n很黑"})
		if err != nil || !created {
			t.Fatalf("first: created %v, err %v", created, err)
		}
		again, created, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: " WS-1 ",
			Title: "路灯 ", Body: "路灯坏了\r\n很黑\r\n"})
		if err != nil || created || again.ID != first.ID {
			t.Errorf("padded resend: created %v, id %d (first %d), err %v", created, again.ID, first.ID, err)
		}
		for i := range 2 {
			_, created, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: "   ",
				Body: fmt.Sprintf("第%d件：噪音", i)})
			if err != nil || !created {
				t.Errorf("blank id %d: created %v, err %v; want a new ticket each time", i, created, err)
			}
		}
	})
}

func TestSubmitRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for name, sub := range map[string]workflow.Submission{
			"empty":                          {Channel: "qr"},
			"invisible":                      {Channel: "qr", Title: "\u3000", Body: "   \u200b\u3000 \ufeff\u2060\t"},
			"no channel":                     {Body: "内容"},
			"long title":                     {Channel: "qr", Title: strings.Repeat("长", workflow.MaxTitleChars+1)},
			"bad utf-8":                      {Channel: "qr", Body: "\xff\xfe"},
			"nul":                            {Channel: "qr", Body: "a\x00b"},
			"channel":                        {Channel: "../../etc", Body: "内容"},
			"kind":                           {Channel: "qr", Kind: "<b>任意</b>", Body: "内容"},
			"too old":                        {Channel: "qr", Body: "内容", ReceivedAt: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
			"future":                         {Channel: "qr", Body: "内容", ReceivedAt: e.now.Add(48 * time.Hour)},
			"long phone":                     {Channel: "qr", Body: "内容", Phone: strings.Repeat("1", 41)},
			"hangul filler":                  {Channel: "qr", Body: "\u3164\u3164"},
			"half-width filler":              {Channel: "qr", Body: "\uFFA0"},
			"choseong filler":                {Channel: "qr", Title: "\u115F\u1160"},
			"braille blank":                  {Channel: "qr", Body: "\u2800 \u2800"},
			"lone combining mark":            {Channel: "qr", Body: "\u0301"},
			"enclosing mark":                 {Channel: "qr", Body: "\u20DD"},
			"variation selector":             {Channel: "qr", Body: "\uFE0F"},
			"ideographic variation selector": {Channel: "qr", Body: "\U000E0100"},
			"combining grapheme joiner":      {Channel: "qr", Body: "\u034F\u200B"},
			"tag characters":                 {Channel: "qr", Body: "\U000E0041\U000E007F"},
			"short phone":                    {Channel: "qr", Body: "内容", Phone: "12"},
			"phone with letters":             {Channel: "qr", Body: "内容", Phone: "139abcd1234"},
			"service number as phone":        {Channel: "qr", Body: "内容", Phone: "12345"},
		} {
			if _, _, err := e.svc.Submit(context.Background(), sub); !errors.Is(err, workflow.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		// Marks and selectors with a visible base character are text.
		for _, body := range []string{"e\u0301", "❤\uFE0F谢谢", "\u3164了"} {
			if _, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: body}); err != nil {
				t.Errorf("body %q: %v", body, err)
			}
		}
		// A local number without area code and a blank phone are accepted.
		for _, phone := range []string{"2345678", "8765 4321", "  "} {
			if _, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "内容" + phone, Phone: phone}); err != nil {
				t.Errorf("phone %q: %v", phone, err)
			}
		}
		// A title of exactly the limit in 4-byte characters is accepted: the limit counts characters.
		ok := workflow.Submission{Channel: "qr", Title: strings.Repeat("𠀀", workflow.MaxTitleChars)}
		if _, _, err := e.svc.Submit(context.Background(), ok); err != nil {
			t.Fatalf("title at the limit: %v", err)
		}
	})
}

func TestPersonalDataMaskedAndSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr",
			Body: "楼下噪音太大，请打我电话13900001234联系", Phone: "139 0000 1234", Name: "测试人"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(tk.Body, "13900001234") {
			t.Fatalf("body not masked: %q", tk.Body)
		}
		var body string
		if err := db.QueryRowContext(ctx, `SELECT body FROM tickets WHERE id = ?`, tk.ID).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "13900001234") || !strings.Contains(body, "噪音太大") {
			t.Fatalf("stored body = %q", body)
		}
		phone, err := e.prot.Vault().Get(ctx, db, tk.ID, privacy.FieldPhone)
		if err != nil || phone != "13900001234" {
			t.Fatalf("vault phone = %q, err %v", phone, err)
		}
		if tk.CitizenKey == "" || tk.CitizenKey != e.prot.BlindIndex("+86 139-0000-1234") {
			t.Fatalf("citizen key %q does not match the blind index of the same number", tk.CitizenKey)
		}
	})
}

// TestClosedLoop walks one ticket through every stage, with a rejected reply
// and an unsatisfied call-back that reopens it.
func TestClosedLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "小区门口夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		steps := []struct {
			who  ticket.Actor
			act  ticket.Action
			in   ticket.Input
			want ticket.State
		}{
			{handler, ticket.ActAccept, ticket.Input{}, ticket.Accepted},
			{handler, ticket.ActReply, ticket.Input{Reply: "已处理", NeedsRectification: true, Rectified: true}, ticket.Replied},
			{centre, ticket.ActReject, ticket.Input{Reason: "答复过于简单"}, ticket.Accepted},
			{handler, ticket.ActReply, ticket.Input{Reply: "已约谈商户并限时整改", NeedsRectification: true, Rectified: true}, ticket.Replied},
			{centre, ticket.ActApprove, ticket.Input{}, ticket.Reviewed},
			{centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Unsatisfied}, ticket.Dispatched},
			{handler, ticket.ActAccept, ticket.Input{}, ticket.Accepted},
			{handler, ticket.ActReply, ticket.Input{Reply: "再次核查，噪音源已拆除"}, ticket.Replied},
			{centre, ticket.ActApprove, ticket.Input{}, ticket.Reviewed},
			{centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Unreachable}, ticket.Reviewed},
			{centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied}, ticket.Closed},
		}
		for i, st := range steps {
			got := e.act(t, tk.ID, st.who, st.act, st.in)
			if got.State != st.want {
				t.Fatalf("step %d %s: state %s, want %s", i, st.act, got.State, st.want)
			}
		}
		d, err := e.svc.Get(ctx, centre, tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		final := d.Ticket
		if final.ReopenCount != 1 || final.CallbackResult != ticket.Satisfied || final.ClosedAt.IsZero() {
			t.Fatalf("final ticket %+v", final)
		}
		var actions []string
		for _, ev := range d.Events {
			actions = append(actions, string(ev.Action))
		}
		want := "create dispatch accept reply reject reply approve callback dispatch accept reply approve callback callback close"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("timeline\n got %s\nwant %s", got, want)
		}
	})
}

func TestOtherStationCannotReadOrAct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		other := e.actor(t, "binjiang")
		if _, err := e.svc.Get(ctx, other, tk.ID, "test"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("read by another station: err = %v, want ErrNotFound", err)
		}
		_, err = e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: other, Action: ticket.ActAccept})
		if !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("accept by another station: err = %v, want ErrNotFound", err)
		}
		list, err := e.svc.List(ctx, other, workflow.Filter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("another station lists %d tickets, err %v", len(list), err)
		}
		d, err := e.svc.Get(ctx, e.actor(t, "dongguan"), tk.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.State != ticket.Dispatched || d.Ticket.Version != tk.Version {
			t.Fatalf("denied accept changed the ticket: state %s version %d", d.Ticket.State, d.Ticket.Version)
		}
		if _, err := e.svc.List(ctx, other, workflow.Filter{UnitID: "ps-dongguan"}); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("listing another station's unit: err = %v, want ErrNotFound", err)
		}
	})
}

func TestReturnGoesToTriageAndRedispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tk, _, err := e.svc.Submit(context.Background(), workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		got := e.act(t, tk.ID, e.actor(t, "dongguan"), ticket.ActReturn, ticket.Input{Reason: "不属于本辖区"})
		if got.State != ticket.Triage || !strings.Contains(got.TriageReason, "不属于本辖区") {
			t.Fatalf("after return: state %s reason %q", got.State, got.TriageReason)
		}
		got = e.act(t, tk.ID, e.actor(t, "centre1"), ticket.ActDispatch, ticket.Input{UnitID: "ps-binjiang"})
		if got.State != ticket.Dispatched || got.UnitID != "ps-binjiang" || got.RouteSource != "manual" {
			t.Fatalf("after dispatch: state %s unit %s source %s", got.State, got.UnitID, got.RouteSource)
		}
	})
}

func TestSweepOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.SweepOverdue(ctx, tk.AcceptDue.Add(-time.Minute))
		if err != nil || n != 0 {
			t.Fatalf("before the deadline: flagged %d, err %v", n, err)
		}
		n, err = e.svc.SweepOverdue(ctx, tk.AcceptDue.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("after the deadline: flagged %d, err %v", n, err)
		}
		n, err = e.svc.SweepOverdue(ctx, tk.AcceptDue.Add(2*time.Minute))
		if err != nil || n != 0 {
			t.Fatalf("second sweep: flagged %d, err %v", n, err)
		}
	})
}

func TestCheckProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", Phone: "13900005678"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.CheckProgress(ctx, strings.ToLower(tk.TrackingCode), "5678")
		if err != nil || d.Ticket.ID != tk.ID {
			t.Fatalf("right digits: %v", err)
		}
		if _, err := e.svc.CheckProgress(ctx, tk.TrackingCode, "5679"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("wrong digits: err = %v", err)
		}
		if _, err := e.svc.CheckProgress(ctx, "ZZZZZZZZZZ", "5678"); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("unknown code: err = %v", err)
		}
		noPhone, _, _ := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音"})
		if _, err := e.svc.CheckProgress(ctx, noPhone.TrackingCode, ""); !errors.Is(err, workflow.ErrNotFound) {
			t.Fatalf("ticket without phone: err = %v", err)
		}
	})
}

func TestSubmitBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		if _, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: "old", Body: "夜间噪音"}); err != nil {
			t.Fatal(err)
		}
		subs := []workflow.Submission{
			{Channel: "12345", ExternalID: "a", Body: "路口拥堵", Phone: "13900001111"},
			{Channel: "12345", ExternalID: "b"}, // empty: invalid
			{Channel: "12345", ExternalID: "old", Body: "夜间噪音"},
			{Channel: "12345", ExternalID: "a", Body: "路口拥堵"}, // repeats the first row
			{Channel: "12345", ExternalID: "c", Body: "小区噪音"},
			{Channel: "12345", ExternalID: "a", Body: "楼下施工到半夜"}, // reuses the first row's id
			{Channel: "12345", ExternalID: "old", Body: "占道经营"},  // reuses a stored ticket's id
		}
		res, err := e.svc.SubmitBatch(ctx, subs)
		if err != nil {
			t.Fatal(err)
		}
		if !res[0].Created || res[0].Ticket == nil || res[0].Ticket.State != ticket.Dispatched {
			t.Errorf("row 0: %+v", res[0])
		}
		if !errors.Is(res[1].Err, workflow.ErrInvalid) {
			t.Errorf("row 1: err = %v, want ErrInvalid", res[1].Err)
		}
		if res[2].Created || res[2].Err != nil || res[2].Ticket == nil {
			t.Errorf("row 2 (already present): %+v", res[2])
		}
		if res[3].Created || res[3].Err != nil || res[3].Ticket == nil || res[3].Ticket.ID != res[0].Ticket.ID {
			t.Errorf("row 3 (repeat in batch): %+v", res[3])
		}
		if !res[4].Created {
			t.Errorf("row 4: %+v", res[4])
		}
		for _, i := range []int{5, 6} {
			if res[i].Created || !errors.Is(res[i].Err, workflow.ErrIDReused) {
				t.Errorf("row %d (id reused with other text): created %v, err %v, want ErrIDReused", i, res[i].Created, res[i].Err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("tickets = %d (err %v), want 3", n, err)
		}
		phone, err := e.prot.Vault().Get(ctx, db, res[0].Ticket.ID, privacy.FieldPhone)
		if err != nil || phone != "13900001111" {
			t.Fatalf("vault phone of the batch row = %q, err %v", phone, err)
		}
	})
}

func TestAuditPurposeMaskedAndBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var got []workflow.Access
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
				got = append(got, a)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		purpose := "回访13900001111" + strings.Repeat("长", 3000)
		if _, err := svc.Get(ctx, e.actor(t, "centre1"), tk.ID, purpose); err != nil {
			t.Fatal(err)
		}
		last := got[len(got)-1]
		if strings.Contains(last.Purpose, "13900001111") {
			t.Errorf("purpose keeps the phone number: %.40s", last.Purpose)
		}
		if len(last.Purpose) > 1000 || !utf8.ValidString(last.Purpose) {
			t.Errorf("purpose has %d bytes (valid UTF-8: %v), want at most 1000", len(last.Purpose), utf8.ValidString(last.Purpose))
		}
	})
}

// TestMergedCitizenGetsOwnCallback checks that the citizen of a ticket merged
// into another is called back on their own once the lead's reply is approved.
func TestMergedCitizenGetsOwnCallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		centre, handler := e.actor(t, "centre1"), e.actor(t, "dongguan")
		lead, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "小区门口夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		dup, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "12345", Body: "有件事想反映一下", Phone: "13900002222"})
		if err != nil {
			t.Fatal(err)
		}
		e.act(t, dup.ID, centre, ticket.ActMerge, ticket.Input{Into: lead.ID})
		_, err = e.svc.Act(ctx, workflow.Command{TicketID: dup.ID, Actor: centre, Action: ticket.ActCallback,
			Input: ticket.Input{Outcome: ticket.Satisfied}})
		if !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("call-back before the lead's reply is approved: err = %v", err)
		}
		e.act(t, lead.ID, handler, ticket.ActAccept, ticket.Input{})
		e.act(t, lead.ID, handler, ticket.ActReply, ticket.Input{Reply: "已处理"})
		e.act(t, lead.ID, centre, ticket.ActApprove, ticket.Input{})
		queue, err := e.svc.ListQueue(ctx, centre, workflow.QueueFollowers, 0)
		if err != nil || len(queue) != 1 || queue[0].ID != dup.ID {
			t.Fatalf("followers queue = %v, err %v; want ticket %d", queue, err, dup.ID)
		}
		got := e.act(t, dup.ID, centre, ticket.ActCallback, ticket.Input{Outcome: ticket.Satisfied})
		if got.State != ticket.Merged || got.CallbackResult != ticket.Satisfied {
			t.Fatalf("after call-back: state %s result %q", got.State, got.CallbackResult)
		}
		if queue, _ := e.svc.ListQueue(ctx, centre, workflow.QueueFollowers, 0); len(queue) != 0 {
			t.Fatalf("followers queue still lists %d tickets", len(queue))
		}
	})
}

func TestOnCreatedRunsForEverySubmission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		var seen []int64
		svc, err := workflow.New(workflow.Options{DB: db, Profile: e.prof, Protector: e.prot, Tagger: testTagger,
			OnCreated: func(_ context.Context, tk *ticket.Ticket) { seen = append(seen, tk.ID) }})
		if err != nil {
			t.Fatal(err)
		}
		one, _, err := svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.SubmitBatch(ctx, []workflow.Submission{{Channel: "12345", ExternalID: "b1", Body: "路口拥堵"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Submit(ctx, workflow.Submission{Channel: "12345", ExternalID: "b1", Body: "路口拥堵"}); err != nil {
			t.Fatal(err) // already present: no second call
		}
		want := []int64{one.ID, res[0].Ticket.ID}
		if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
			t.Fatalf("OnCreated saw %v, want %v", seen, want)
		}
	})
}

func TestActRejectsNULInText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "有件事想反映一下"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Act(ctx, workflow.Command{TicketID: tk.ID, Actor: e.actor(t, "centre1"),
			Action: ticket.ActInvalidate, Input: ticket.Input{Reason: "a\x00b"}})
		if !errors.Is(err, ticket.ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
	})
}
