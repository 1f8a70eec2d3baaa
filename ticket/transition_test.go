package ticket

import (
	"errors"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// validInput returns an input that satisfies every action's own checks, so a
// failure in the matrix test comes from the state or the role alone.
func validInput() Input {
	return Input{
		Reason: "理由", UnitID: "s1", UnitPath: "/city/east/s1/", Reply: "已处理", Rectified: true,
		NeedsRectification: true, Outcome: Satisfied, MaxAttempts: 3, Into: 99, Text: "补充",
		Due: now.Add(48 * time.Hour), ReopenWindow: 24 * time.Hour, Destination: "12345",
	}
}

func actorFor(role Role) Actor {
	return Actor{ID: 7, Name: "测试", Role: role, UnitID: "s1", UnitPath: "/city/east/s1/"}
}

func sample(state State) *Ticket {
	return &Ticket{
		ID: 1, State: state, UnitID: "s1", UnitPath: "/city/east/s1/", Extension: "requested",
		ReplyDue: now.Add(time.Hour), ClosedAt: now.Add(-time.Hour),
	}
}

// The expected matrix, written out independently of the rules table: for each
// action, the states it starts from and the roles that may take it.
var expected = map[Action]struct {
	from  []State
	roles []Role
}{
	ActTriage:           {[]State{Received}, []Role{RoleSystem, RoleCentre}},
	ActDispatch:         {[]State{Received, Triage, Reopened}, []Role{RoleSystem, RoleCentre}},
	ActReturn:           {[]State{Dispatched, Accepted}, []Role{RoleHandler}},
	ActAccept:           {[]State{Dispatched}, []Role{RoleHandler}},
	ActReply:            {[]State{Accepted}, []Role{RoleHandler}},
	ActApprove:          {[]State{Replied}, []Role{RoleCentre}},
	ActReject:           {[]State{Replied}, []Role{RoleCentre}},
	ActCallback:         {[]State{Reviewed, Merged}, []Role{RoleCentre, RoleCitizen}},
	ActClose:            {[]State{CalledBack}, []Role{RoleSystem, RoleCentre}},
	ActReopen:           {[]State{Closed}, []Role{RoleCitizen, RoleCentre}},
	ActMerge:            {[]State{Received, Triage, Dispatched}, []Role{RoleCentre}},
	ActInvalidate:       {[]State{Received, Triage}, []Role{RoleCentre}},
	ActWithdraw:         {[]State{Received, Triage, Dispatched, Accepted, Reopened}, []Role{RoleCitizen}},
	ActTransferOut:      {[]State{Received, Triage}, []Role{RoleCentre}},
	ActSupplement:       {open, []Role{RoleCitizen}},
	ActFlagUrgent:       {open, []Role{RoleSystem, RoleCentre}},
	ActSupervise:        {open, []Role{RoleCentre, RoleLeader}},
	ActRequestExtension: {[]State{Dispatched, Accepted}, []Role{RoleHandler}},
	ActGrantExtension:   {[]State{Dispatched, Accepted}, []Role{RoleCentre}},
	ActDenyExtension:    {[]State{Dispatched, Accepted}, []Role{RoleCentre}},
	ActMarkOverdue:      {open, []Role{RoleSystem}},
	ActInviteCohandler:  {[]State{Dispatched, Accepted}, []Role{RoleHandler, RoleCentre}},
	ActNote:             {[]State{Dispatched, Accepted, Replied}, []Role{RoleHandler}},
}

func TestTransitionMatrix(t *testing.T) {
	if len(expected) != len(Actions()) {
		t.Fatalf("expected matrix covers %d actions, Actions() has %d", len(expected), len(Actions()))
	}
	for _, act := range Actions() {
		want := expected[act]
		for _, st := range States {
			for _, role := range Roles {
				allowed := contains(want.from, st) && contains(want.roles, role)
				name := string(act) + "/" + string(st) + "/" + string(role)
				t.Run(name, func(t *testing.T) {
					tk := sample(st)
					if act == ActRequestExtension {
						tk.Extension = "" // the sample carries a pending request for grant and deny
					}
					in := validInput()
					if act == ActInviteCohandler {
						in.UnitID, in.UnitPath = "s2", "/city/east/s2/" // the sample's own unit cannot be invited
					}
					before := *tk
					ev, err := Apply(tk, actorFor(role), act, in, now)
					if allowed {
						if err != nil {
							t.Fatalf("want allowed, got %v", err)
						}
						if ev.Action != act || ev.From != st || ev.TicketID != 1 || ev.ActorRole != role {
							t.Fatalf("event = %+v", ev)
						}
						if tk.Version != before.Version+1 {
							t.Fatalf("version = %d, want %d", tk.Version, before.Version+1)
						}
						return
					}
					if err == nil {
						t.Fatalf("want rejected, got allowed (to %s)", ev.To)
					}
					if !errors.Is(err, ErrTransition) && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrOutOfScope) {
						t.Fatalf("error %v is not a transition, role or scope error", err)
					}
					if *tk != before {
						t.Fatalf("rejected action changed the ticket: %+v", *tk)
					}
				})
			}
		}
	}
}

func TestTransitionErrorNamesStateAndAction(t *testing.T) {
	tk := sample(Closed)
	_, err := Apply(tk, actorFor(RoleHandler), ActAccept, Input{}, now)
	var te *TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a *TransitionError", err)
	}
	if got, want := err.Error(), "ticket: cannot accept a ticket in state closed"; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
}

func TestHandlerOtherUnitIsOutOfScope(t *testing.T) {
	tk := sample(Dispatched)
	other := Actor{ID: 8, Role: RoleHandler, UnitID: "s2", UnitPath: "/city/east/s2/"}
	_, err := Apply(tk, other, ActAccept, Input{}, now)
	if !errors.Is(err, ErrOutOfScope) {
		t.Fatalf("err = %v, want ErrOutOfScope", err)
	}
	if other.CanRead(tk) {
		t.Fatal("handler of s2 can read a ticket of s1")
	}
	parent := Actor{ID: 9, Role: RoleLeader, UnitID: "east", UnitPath: "/city/east/"}
	if !parent.CanRead(tk) {
		t.Fatal("leader of the branch cannot read its station's ticket")
	}
	// A unit whose id is a prefix of another's must not see it: paths end in "/".
	prefix := Actor{ID: 10, Role: RoleHandler, UnitID: "s", UnitPath: "/city/east/s/"}
	if prefix.CanRead(tk) {
		t.Fatal("handler of /city/east/s/ can read a ticket of /city/east/s1/")
	}
}

func TestCallbackOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		outcome   Outcome
		attempts  int
		wantState State
		wantTries int
	}{
		{"satisfied", Satisfied, 0, CalledBack, 0},
		{"basic", BasicSatisfied, 0, CalledBack, 0},
		{"unsatisfied reopens", Unsatisfied, 0, Reopened, 0},
		{"first unreachable stays", Unreachable, 0, Reviewed, 1},
		{"last unreachable exhausts", Unreachable, 2, CalledBack, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := sample(Reviewed)
			tk.CallbackAttempts = tc.attempts
			_, err := Apply(tk, actorFor(RoleCentre), ActCallback, Input{Outcome: tc.outcome, MaxAttempts: 3}, now)
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != tc.wantState {
				t.Errorf("state = %s, want %s", tk.State, tc.wantState)
			}
			if tk.CallbackAttempts != tc.wantTries {
				t.Errorf("attempts = %d, want %d", tk.CallbackAttempts, tc.wantTries)
			}
		})
	}
}

func TestInputChecks(t *testing.T) {
	tests := []struct {
		name   string
		state  State
		role   Role
		action Action
		in     Input
	}{
		{"return without reason", Dispatched, RoleHandler, ActReturn, Input{}},
		{"reply without text", Accepted, RoleHandler, ActReply, Input{}},
		{"reject without comment", Replied, RoleCentre, ActReject, Input{}},
		{"dispatch without unit", Triage, RoleCentre, ActDispatch, Input{}},
		{"merge into itself", Triage, RoleCentre, ActMerge, Input{Into: 1}},
		{"unknown outcome", Reviewed, RoleCentre, ActCallback, Input{Outcome: "maybe"}},
		{"citizen unreachable", Reviewed, RoleCitizen, ActCallback, Input{Outcome: Unreachable}},
		{"reopen after window", Closed, RoleCitizen, ActReopen, Input{ReopenWindow: time.Minute}},
		{"supervise in the past", Accepted, RoleCentre, ActSupervise, Input{Due: now.Add(-time.Hour)}},
		{"extension not later", Accepted, RoleCentre, ActGrantExtension, Input{Due: now}},
		{"empty note", Accepted, RoleHandler, ActNote, Input{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := sample(tc.state)
			before := *tk
			_, err := Apply(tk, actorFor(tc.role), tc.action, tc.in, now)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if *tk != before {
				t.Fatal("rejected input changed the ticket")
			}
		})
	}
}

func TestReopenWindow(t *testing.T) {
	// sample closes the ticket one hour before now.
	tests := []struct {
		name    string
		role    Role
		window  time.Duration
		wantErr error
	}{
		{"citizen within window", RoleCitizen, 2 * time.Hour, nil},
		{"citizen after window", RoleCitizen, time.Minute, ErrReopenPeriodOver},
		{"citizen without window", RoleCitizen, 0, ErrReopenPeriodOver},
		{"centre after window", RoleCentre, time.Minute, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := sample(Closed)
			_, err := Apply(tk, actorFor(tc.role), ActReopen, Input{ReopenWindow: tc.window}, now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && !errors.Is(err, ErrInvalidInput) {
				t.Errorf("err = %v does not wrap ErrInvalidInput", err)
			}
			if tc.wantErr != nil && tk.State != Closed {
				t.Errorf("state %s after a rejected reopen, want closed", tk.State)
			}
			if tc.wantErr == nil && tk.State == Closed {
				t.Errorf("state still closed after the reopen")
			}
		})
	}
}

func TestAvailableActions(t *testing.T) {
	tk := sample(Dispatched)
	got := Available(tk, actorFor(RoleHandler))
	want := []Action{ActReturn, ActAccept, ActRequestExtension, ActInviteCohandler, ActNote}
	if len(got) != len(want) {
		t.Fatalf("Available = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Available = %v, want %v", got, want)
		}
	}
	other := Actor{Role: RoleHandler, UnitID: "s2", UnitPath: "/city/east/s2/"}
	if got := Available(tk, other); len(got) != 0 {
		t.Fatalf("handler of another unit has actions %v", got)
	}
}

func TestCoHandler(t *testing.T) {
	co := Actor{ID: 11, Role: RoleHandler, UnitID: "s2", UnitPath: "/city/east/s2/", CoHandler: true}
	stranger := co
	stranger.CoHandler = false
	tests := []struct {
		name    string
		actor   Actor
		action  Action
		wantErr error // nil means allowed
	}{
		{"co-handler notes", co, ActNote, nil},
		{"co-handler cannot reply", co, ActReply, ErrForbidden},
		{"co-handler cannot return", co, ActReturn, ErrForbidden},
		{"co-handler cannot invite", co, ActInviteCohandler, ErrForbidden},
		{"stranger cannot note", stranger, ActNote, ErrOutOfScope},
		{"lead handler notes", actorFor(RoleHandler), ActNote, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := sample(Accepted)
			in := validInput()
			in.UnitID, in.UnitPath = "s3", "/city/east/s3/"
			_, err := Apply(tk, tc.actor, tc.action, in, now)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("want allowed, got %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
	if !co.CanRead(sample(Accepted)) {
		t.Error("co-handler cannot read the ticket")
	}
	if stranger.CanRead(sample(Accepted)) {
		t.Error("handler of another unit without co-handling can read the ticket")
	}
	got := Available(sample(Accepted), co)
	if len(got) != 1 || got[0] != ActNote {
		t.Errorf("Available for a co-handler = %v, want [note]", got)
	}
}

func TestInviteChecks(t *testing.T) {
	tests := []struct {
		name, unit, path string
	}{
		{"no unit", "", ""},
		{"own unit", "s1", "/city/east/s1/"},
		{"unit inside the lead", "s1a", "/city/east/s1/a/"},
		{"unit above the lead", "east", "/city/east/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := sample(Accepted)
			_, err := Apply(tk, actorFor(RoleHandler), ActInviteCohandler, Input{UnitID: tc.unit, UnitPath: tc.path}, now)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
	tk := sample(Accepted)
	ev, err := Apply(tk, actorFor(RoleHandler), ActInviteCohandler, Input{UnitID: "s2", UnitPath: "/city/east/s2/"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Details["cohandler"] != "s2" || tk.State != Accepted {
		t.Fatalf("invite: details %v, state %s", ev.Details, tk.State)
	}
}

func TestCallbackOnMergedTicket(t *testing.T) {
	tk := sample(Merged)
	tk.MergedInto = 9
	if _, err := Apply(tk, actorFor(RoleCentre), ActCallback, Input{Outcome: Unsatisfied, MaxAttempts: 3}, now); err != nil {
		t.Fatal(err)
	}
	if tk.State != Merged || tk.CallbackResult != Unsatisfied || tk.CalledBackAt.IsZero() {
		t.Fatalf("after call-back: state %s result %q at %v", tk.State, tk.CallbackResult, tk.CalledBackAt)
	}
	_, err := Apply(tk, actorFor(RoleCentre), ActCallback, Input{Outcome: Satisfied, MaxAttempts: 3}, now)
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("second call-back: err = %v, want ErrInvalidInput", err)
	}
}

// TestDeadlineWithinAYear rejects supervision and extension deadlines more
// than MaxDeadlineAhead ahead, such as 2099 typed for 2026, and accepts one
// just inside the bound.
func TestDeadlineWithinAYear(t *testing.T) {
	for _, tc := range []struct {
		action Action
		due    time.Time
		ok     bool
	}{
		{ActSupervise, now.Add(MaxDeadlineAhead - time.Hour), true},
		{ActSupervise, now.Add(MaxDeadlineAhead + time.Hour), false},
		{ActGrantExtension, now.Add(MaxDeadlineAhead - time.Hour), true},
		{ActGrantExtension, time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC), false},
	} {
		tk := sample(Accepted)
		tk.Extension = "requested"
		tk.ReplyDue = now
		_, err := Apply(tk, actorFor(RoleCentre), tc.action, Input{Due: tc.due}, now)
		if tc.ok && err != nil {
			t.Errorf("%s due %s: %v, want accepted", tc.action, tc.due.Format(time.DateOnly), err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s due %s: %v, want ErrInvalidInput", tc.action, tc.due.Format(time.DateOnly), err)
		}
	}
}

// TestRejectClearsReplyTime rejects a reply: the ticket is back with its unit
// and no longer has a completion time.
func TestRejectClearsReplyTime(t *testing.T) {
	tk := sample(Replied)
	tk.RepliedAt = now.Add(-time.Hour)
	if _, err := Apply(tk, actorFor(RoleCentre), ActReject, Input{Reason: "答复未说明处理结果"}, now); err != nil {
		t.Fatal(err)
	}
	if tk.State != Accepted || !tk.RepliedAt.IsZero() {
		t.Errorf("after reject: state %s, replied at %v; want accepted and no reply time", tk.State, tk.RepliedAt)
	}
}
