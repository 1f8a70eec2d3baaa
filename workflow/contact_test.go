package workflow_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/ticket"
	"minyi/workflow"
)

// relayEnv is a service with a demo relay that records every audit access.
type relayEnv struct {
	*env
	demo     *privacy.DemoProvider
	keys     *privacy.Keys
	mu       sync.Mutex // guards accesses, which concurrent requests append to
	accesses []workflow.Access
}

func newRelayEnv(t *testing.T, db *store.DB, smsTrackingCode bool) *relayEnv {
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
	e := &relayEnv{env: &env{db: db, prof: p, prot: prot, now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)},
		demo: privacy.NewDemoProvider(), keys: keys}
	e.svc, err = workflow.New(workflow.Options{DB: db, Profile: p, Protector: prot, Tagger: testTagger,
		Now:   func() time.Time { return e.now },
		Relay: privacy.NewRelay(prot.Vault(), e.demo, 0), SMSTrackingCode: smsTrackingCode,
		Audit: func(_ context.Context, _ *store.Tx, a workflow.Access) error {
			e.mu.Lock()
			e.accesses = append(e.accesses, a)
			e.mu.Unlock()
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Generated numbers, not anyone's.
const (
	testPhone = "13912340001"
)

func TestContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newRelayEnv(t, db, false)
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "小区门口夜间噪音",
			CodeUnit: "ps-dongguan", Phone: "+86 139 1234 0001"})
		if err != nil {
			t.Fatal(err)
		}
		noPhone, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "路口拥堵", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name    string
			who     string
			id      int64
			req     workflow.ContactRequest
			wantErr error
			status  string
		}{
			{"centre calls", "centre1", tk.ID, workflow.ContactRequest{Channel: "call", StaffPhone: "0731-88880000"}, nil, privacy.OutcomeBound},
			{"centre messages", "centre1", tk.ID, workflow.ContactRequest{Channel: "message", Text: "请补充具体地址"}, nil, privacy.OutcomeSent},
			{"handler of the unit", "dongguan", tk.ID, workflow.ContactRequest{Channel: "message", Text: "已受理"}, nil, privacy.OutcomeSent},
			{"handler of another unit", "binjiang", tk.ID, workflow.ContactRequest{Channel: "message", Text: "x"}, workflow.ErrNotFound, ""},
			{"leader", "qinghe-leader", tk.ID, workflow.ContactRequest{Channel: "message", Text: "x"}, ticket.ErrForbidden, ""},
			{"no phone", "centre1", noPhone.ID, workflow.ContactRequest{Channel: "message", Text: "您好"}, workflow.ErrContactFailed, privacy.OutcomeNoPhone},
			{"empty message", "centre1", tk.ID, workflow.ContactRequest{Channel: "message", Text: " "}, ticket.ErrInvalidInput, ""},
			{"call without staff phone", "centre1", tk.ID, workflow.ContactRequest{Channel: "call"}, ticket.ErrInvalidInput, ""},
			{"unknown channel", "centre1", tk.ID, workflow.ContactRequest{Channel: "fax"}, ticket.ErrInvalidInput, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.accesses = nil
				events := len(timeline(t, e.env, c.id))
				out, err := e.svc.Contact(ctx, e.actor(t, c.who), c.id, c.req)
				if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
					t.Fatalf("error = %v, want %v", err, c.wantErr)
				}
				if out.Status != c.status {
					t.Fatalf("status = %q, want %q", out.Status, c.status)
				}
				evs := timeline(t, e.env, c.id)
				if c.status == "" {
					if len(evs) != events {
						t.Fatalf("a refused contact added %d events", len(evs)-events)
					}
					return
				}
				last := evs[len(evs)-1]
				if last.Action != workflow.ActContact || last.Details["contact_status"] != c.status {
					t.Fatalf("last event %s %v", last.Action, last.Details)
				}
				var contacts []workflow.Access
				for _, a := range e.accesses {
					if a.Action == "ticket.contact" {
						contacts = append(contacts, a)
					}
				}
				if len(contacts) != 1 || contacts[0].Purpose != c.req.Channel+":"+c.status {
					t.Fatalf("audit %+v", contacts)
				}
			})
		}
		if n := e.demo.Reached(testPhone); n != 3 {
			t.Fatalf("demo provider reached the citizen %d times, want 3", n)
		}
		msgs, err := privacy.Messages(ctx, db, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || msgs[0].Text != "请补充具体地址" {
			t.Fatalf("relay messages %+v", msgs)
		}
	})
}

func TestContactWithoutRelay(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "噪音", CodeUnit: "ps-dongguan", Phone: testPhone})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Contact(ctx, e.actor(t, "centre1"), tk.ID, workflow.ContactRequest{Channel: "message", Text: "您好"})
	if !errors.Is(err, workflow.ErrNoRelay) {
		t.Fatalf("error = %v, want ErrNoRelay", err)
	}
}

func TestSubmitTextsTrackingCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newRelayEnv(t, db, true)
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "噪音", CodeUnit: "ps-dongguan", Phone: testPhone})
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := privacy.Messages(ctx, db, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, tk.TrackingCode) {
			t.Fatalf("messages %+v, want one with the tracking code", msgs)
		}
		if e.demo.Reached(testPhone) != 1 {
			t.Fatalf("the tracking code did not reach the citizen")
		}
		evs := timeline(t, e.env, tk.ID)
		if last := evs[len(evs)-1]; last.Action != workflow.ActContact || last.Details["contact_channel"] != "tracking_code" {
			t.Fatalf("last event %s %v", last.Action, last.Details)
		}
	})
}

func timeline(t *testing.T, e *env, id int64) []ticket.Event {
	t.Helper()
	d, err := e.svc.Get(context.Background(), e.actor(t, "centre1"), id, "test")
	if err != nil {
		t.Fatal(err)
	}
	return d.Events
}

// idNumber returns a generated 18-digit ID number with a valid check digit
// (GB 11643-1999) for the 17 digits base.
func idNumber(base string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}
