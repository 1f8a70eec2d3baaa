package ticket

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Action names a transition or a flag change.
type Action string

// The actions. Each is checked against the ticket's state and the actor's role
// and unit by Apply.
const (
	ActCreate           Action = "create"
	ActTriage           Action = "triage"
	ActDispatch         Action = "dispatch"
	ActReturn           Action = "return"
	ActAccept           Action = "accept"
	ActReply            Action = "reply"
	ActApprove          Action = "approve"
	ActReject           Action = "reject"
	ActCallback         Action = "callback"
	ActClose            Action = "close"
	ActReopen           Action = "reopen"
	ActMerge            Action = "merge"
	ActInvalidate       Action = "invalidate"
	ActWithdraw         Action = "withdraw"
	ActTransferOut      Action = "transfer_out"
	ActSupplement       Action = "supplement"
	ActFlagUrgent       Action = "flag_urgent"
	ActSupervise        Action = "supervise"
	ActRequestExtension Action = "request_extension"
	ActGrantExtension   Action = "grant_extension"
	ActDenyExtension    Action = "deny_extension"
	ActMarkOverdue      Action = "mark_overdue"
	ActInviteCohandler  Action = "invite_cohandler"
	ActNote             Action = "note"
)

// Input carries the arguments of an action. Each action reads only the fields
// it documents in its rule.
type Input struct {
	Reason string // return, reject, invalidate, transfer_out, triage, request_extension

	// Dispatch: the unit and the deadlines computed from the SLA policy.
	// Invite_cohandler reads UnitID and UnitPath as the invited unit.
	UnitID      string
	UnitPath    string
	RouteSource string
	AcceptDue   time.Time
	ReplyDue    time.Time
	CallbackDue time.Time

	// Reply.
	Reply              string
	Rectified          bool
	NeedsRectification bool

	// Callback: the outcome and how many unreachable attempts exhaust it.
	Outcome     Outcome
	MaxAttempts int

	Into         int64         // merge
	Text         string        // supplement, note
	Due          time.Time     // supervise, grant_extension (the new reply deadline)
	ReopenWindow time.Duration // reopen by the citizen: how long after closing
	Destination  string        // transfer_out
}

// ErrTransition is the sentinel that every rejected transition unwraps to.
var ErrTransition = errors.New("transition not allowed")

// ErrForbidden is returned when the actor's role may not take the action.
var ErrForbidden = errors.New("forbidden")

// ErrOutOfScope is returned when the ticket lies outside the actor's unit
// subtree. Callers must respond as if the ticket did not exist.
var ErrOutOfScope = errors.New("ticket outside the actor's units")

// ErrInvalidInput is returned when an action's input is missing or wrong.
var ErrInvalidInput = errors.New("invalid input")

// ErrReopenPeriodOver is returned when a citizen requests to reopen a ticket
// after Input.ReopenWindow since its closing has passed, or when that window
// is zero. It wraps ErrInvalidInput.
var ErrReopenPeriodOver = fmt.Errorf("%w: the period for reopening this ticket has passed", ErrInvalidInput)

// TransitionError names the action and the state that rejected it.
type TransitionError struct {
	Action Action
	State  State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("ticket: cannot %s a ticket in state %s", e.Action, e.State)
}

// Unwrap makes errors.Is(err, ErrTransition) hold.
func (e *TransitionError) Unwrap() error { return ErrTransition }

type rule struct {
	from      []State
	roles     []Role
	unitBound bool // the actor's subtree must contain the ticket's unit
	// coHandlers admits a co-handler (Actor.CoHandler) to a unitBound action
	// although its subtree does not contain the ticket's unit.
	coHandlers bool
	apply      func(t *Ticket, in Input, now time.Time, ev *Event) error
}

// open lists the states in which a ticket is still being worked on.
var open = []State{Received, Triage, Dispatched, Accepted, Replied, Reviewed, CalledBack, Reopened}

// MaxDeadlineAhead bounds a deadline that staff type, for supervision or an
// extension, from the time of the action. A year is longer than any handling
// period of the built-in profiles, so a later date is a typing mistake such
// as 2099 for 2026.
const MaxDeadlineAhead = 366 * 24 * time.Hour

var rules = map[Action]rule{
	ActTriage: {
		from:  []State{Received},
		roles: []Role{RoleSystem, RoleCentre},
		apply: func(t *Ticket, in Input, _ time.Time, _ *Event) error {
			t.State = Triage
			t.TriageReason = in.Reason
			return nil
		},
	},
	ActDispatch: {
		from:  []State{Received, Triage, Reopened},
		roles: []Role{RoleSystem, RoleCentre},
		apply: applyDispatch,
	},
	ActReturn: {
		from: []State{Dispatched, Accepted}, roles: []Role{RoleHandler}, unitBound: true,
		apply: func(t *Ticket, in Input, _ time.Time, _ *Event) error {
			if in.Reason == "" {
				return fmt.Errorf("%w: a return needs a reason", ErrInvalidInput)
			}
			t.State = Triage
			t.TriageReason = "returned: " + in.Reason
			return nil
		},
	},
	ActAccept: {
		from: []State{Dispatched}, roles: []Role{RoleHandler}, unitBound: true,
		apply: func(t *Ticket, _ Input, now time.Time, _ *Event) error {
			t.State = Accepted
			t.AcceptedAt = now
			return nil
		},
	},
	ActReply: {
		from: []State{Accepted}, roles: []Role{RoleHandler}, unitBound: true,
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if in.Reply == "" {
				return fmt.Errorf("%w: a reply needs its text", ErrInvalidInput)
			}
			t.State = Replied
			t.RepliedAt = now
			t.Reply = in.Reply
			t.NeedsRectification = in.NeedsRectification
			t.Rectified = in.NeedsRectification && in.Rectified
			ev.Details["needs_rectification"] = strconv.FormatBool(t.NeedsRectification)
			ev.Details["rectified"] = strconv.FormatBool(t.Rectified)
			return nil
		},
	},
	ActApprove: {
		from: []State{Replied}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, _ Input, now time.Time, _ *Event) error {
			t.State = Reviewed
			t.ReviewedAt = now
			return nil
		},
	},
	ActReject: {
		from: []State{Replied}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, in Input, _ time.Time, _ *Event) error {
			if in.Reason == "" {
				return fmt.Errorf("%w: a rejected reply needs a comment", ErrInvalidInput)
			}
			// The unit has not completed the ticket after all, so no report
			// may show the rejected reply's time as its completion.
			t.State, t.RepliedAt = Accepted, time.Time{}
			return nil
		},
	},
	// A merged ticket's citizen gets a call-back of their own once the lead
	// ticket's reply is approved; the workflow checks the lead. It records
	// the outcome and leaves the merged ticket as it is.
	ActCallback: {
		from: []State{Reviewed, Merged}, roles: []Role{RoleCentre, RoleCitizen},
		apply: applyCallback,
	},
	ActClose: {
		from: []State{CalledBack}, roles: []Role{RoleSystem, RoleCentre},
		apply: func(t *Ticket, _ Input, now time.Time, _ *Event) error {
			t.State = Closed
			t.ClosedAt = now
			t.EndedAt = now
			return nil
		},
	},
	ActReopen: {
		from: []State{Closed}, roles: []Role{RoleCitizen, RoleCentre},
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if ev.ActorRole == RoleCitizen && (in.ReopenWindow <= 0 || now.After(t.ClosedAt.Add(in.ReopenWindow))) {
				return ErrReopenPeriodOver
			}
			reopen(t)
			return nil
		},
	},
	ActMerge: {
		from: []State{Received, Triage, Dispatched}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if in.Into <= 0 || in.Into == t.ID {
				return fmt.Errorf("%w: merge needs another ticket to merge into", ErrInvalidInput)
			}
			t.State = Merged
			t.MergedInto = in.Into
			t.EndedAt = now
			ev.Details["into"] = strconv.FormatInt(in.Into, 10)
			return nil
		},
	},
	ActInvalidate: {
		from: []State{Received, Triage}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, in Input, now time.Time, _ *Event) error {
			if in.Reason == "" {
				return fmt.Errorf("%w: marking a ticket invalid needs a reason", ErrInvalidInput)
			}
			t.State = Invalid
			t.EndedAt = now
			return nil
		},
	},
	ActWithdraw: {
		from:  []State{Received, Triage, Dispatched, Accepted, Reopened},
		roles: []Role{RoleCitizen},
		apply: func(t *Ticket, _ Input, now time.Time, _ *Event) error {
			t.State = Withdrawn
			t.EndedAt = now
			return nil
		},
	},
	ActTransferOut: {
		from: []State{Received, Triage}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if in.Reason == "" || in.Destination == "" {
				return fmt.Errorf("%w: a transfer out needs a destination and a reason", ErrInvalidInput)
			}
			t.State = TransferredOut
			t.EndedAt = now
			ev.Details["destination"] = in.Destination
			return nil
		},
	},
	ActSupplement: {
		from: open, roles: []Role{RoleCitizen},
		apply: func(t *Ticket, in Input, _ time.Time, ev *Event) error {
			if in.Text == "" {
				return fmt.Errorf("%w: added information is empty", ErrInvalidInput)
			}
			ev.Details["text"] = in.Text
			return nil
		},
	},
	ActFlagUrgent: {
		from: open, roles: []Role{RoleSystem, RoleCentre},
		apply: func(t *Ticket, _ Input, _ time.Time, _ *Event) error {
			t.Urgent = true
			return nil
		},
	},
	ActSupervise: {
		from: open, roles: []Role{RoleCentre, RoleLeader}, unitBound: true,
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if !in.Due.After(now) {
				return fmt.Errorf("%w: a supervision deadline must lie in the future", ErrInvalidInput)
			}
			if in.Due.After(now.Add(MaxDeadlineAhead)) {
				return fmt.Errorf("%w: a supervision deadline must lie within a year", ErrInvalidInput)
			}
			t.Supervised = true
			t.SuperviseDue = in.Due
			ev.Details["due"] = in.Due.UTC().Format(time.RFC3339)
			return nil
		},
	},
	ActRequestExtension: {
		from: []State{Dispatched, Accepted}, roles: []Role{RoleHandler}, unitBound: true,
		apply: func(t *Ticket, in Input, _ time.Time, _ *Event) error {
			if in.Reason == "" {
				return fmt.Errorf("%w: an extension request needs a reason", ErrInvalidInput)
			}
			if t.Extension == "requested" || t.Extension == "granted" {
				return fmt.Errorf("%w: an extension is already %s", ErrInvalidInput, t.Extension)
			}
			t.Extension = "requested"
			return nil
		},
	},
	ActGrantExtension: {
		from: []State{Dispatched, Accepted}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, in Input, now time.Time, ev *Event) error {
			if t.Extension != "requested" {
				return fmt.Errorf("%w: no extension was requested", ErrInvalidInput)
			}
			if !in.Due.After(t.ReplyDue) {
				return fmt.Errorf("%w: the new reply deadline must be later than the current one", ErrInvalidInput)
			}
			if in.Due.After(now.Add(MaxDeadlineAhead)) {
				return fmt.Errorf("%w: the new reply deadline must lie within a year", ErrInvalidInput)
			}
			t.Extension = "granted"
			t.ReplyDue = in.Due
			t.Overdue = false
			ev.Details["reply_due"] = in.Due.UTC().Format(time.RFC3339)
			return nil
		},
	},
	ActDenyExtension: {
		from: []State{Dispatched, Accepted}, roles: []Role{RoleCentre},
		apply: func(t *Ticket, _ Input, _ time.Time, _ *Event) error {
			if t.Extension != "requested" {
				return fmt.Errorf("%w: no extension was requested", ErrInvalidInput)
			}
			t.Extension = "denied"
			return nil
		},
	},
	ActMarkOverdue: {
		from: open, roles: []Role{RoleSystem},
		apply: func(t *Ticket, _ Input, _ time.Time, _ *Event) error {
			t.Overdue = true
			return nil
		},
	},
	ActInviteCohandler: {
		from: []State{Dispatched, Accepted}, roles: []Role{RoleHandler, RoleCentre}, unitBound: true,
		apply: applyInvite,
	},
	ActNote: {
		from: []State{Dispatched, Accepted, Replied}, roles: []Role{RoleHandler}, unitBound: true, coHandlers: true,
		apply: func(t *Ticket, in Input, _ time.Time, ev *Event) error {
			if in.Text == "" {
				return fmt.Errorf("%w: a note is empty", ErrInvalidInput)
			}
			ev.Details["text"] = in.Text
			return nil
		},
	},
}

// applyInvite records the invitation of another unit to co-handle the
// ticket. The invited unit must lie outside the lead unit's subtree and must
// not contain it, because such a unit sees the ticket already.
func applyInvite(t *Ticket, in Input, _ time.Time, ev *Event) error {
	if in.UnitID == "" || in.UnitPath == "" {
		return fmt.Errorf("%w: an invitation needs the unit to invite", ErrInvalidInput)
	}
	if strings.HasPrefix(in.UnitPath, t.UnitPath) || strings.HasPrefix(t.UnitPath, in.UnitPath) {
		return fmt.Errorf("%w: unit %s already sees the tickets of unit %s", ErrInvalidInput, in.UnitID, t.UnitID)
	}
	ev.Details["cohandler"] = in.UnitID
	return nil
}

func applyDispatch(t *Ticket, in Input, now time.Time, ev *Event) error {
	if in.UnitID == "" || in.UnitPath == "" {
		return fmt.Errorf("%w: dispatch needs a unit", ErrInvalidInput)
	}
	t.State = Dispatched
	t.UnitID = in.UnitID
	t.UnitPath = in.UnitPath
	t.RouteSource = in.RouteSource
	t.TriageReason = ""
	t.DispatchedAt = now
	t.AcceptDue = in.AcceptDue
	t.ReplyDue = in.ReplyDue
	t.CallbackDue = in.CallbackDue
	t.AcceptedAt, t.RepliedAt, t.ReviewedAt = time.Time{}, time.Time{}, time.Time{}
	t.Extension = ""
	t.Overdue = false
	ev.UnitID = in.UnitID
	if in.RouteSource != "" {
		ev.Details["route"] = in.RouteSource
	}
	return nil
}

func applyCallback(t *Ticket, in Input, now time.Time, ev *Event) error {
	if !in.Outcome.Valid() {
		return fmt.Errorf("%w: unknown call-back outcome %q", ErrInvalidInput, in.Outcome)
	}
	if in.Outcome == Unreachable && ev.ActorRole == RoleCitizen {
		return fmt.Errorf("%w: a citizen cannot be unreachable", ErrInvalidInput)
	}
	ev.Details["outcome"] = string(in.Outcome)
	if t.State == Merged {
		if t.CallbackResult != "" {
			return fmt.Errorf("%w: this citizen was already called back", ErrInvalidInput)
		}
		if in.Outcome == Unreachable {
			t.CallbackAttempts++
			ev.Details["attempt"] = strconv.Itoa(t.CallbackAttempts)
			if in.MaxAttempts <= 0 || t.CallbackAttempts < in.MaxAttempts {
				return nil
			}
		}
		t.CallbackResult = in.Outcome
		t.CalledBackAt = now
		return nil
	}
	switch in.Outcome {
	case Unreachable:
		t.CallbackAttempts++
		ev.Details["attempt"] = strconv.Itoa(t.CallbackAttempts)
		if in.MaxAttempts <= 0 || t.CallbackAttempts < in.MaxAttempts {
			return nil // the ticket stays in review until the attempts are exhausted
		}
		t.State = CalledBack
	case Unsatisfied:
		t.CallbackResult = in.Outcome
		t.CalledBackAt = now
		reopen(t)
		return nil
	default:
		t.State = CalledBack
	}
	t.CallbackResult = in.Outcome
	t.CalledBackAt = now
	return nil
}

func reopen(t *Ticket) {
	t.State = Reopened
	t.ReopenCount++
	t.EndedAt = time.Time{}
	t.ClosedAt = time.Time{}
}

// Allowed reports whether action may be taken on a ticket in state from by an
// actor of role, ignoring unit scope and input.
func Allowed(action Action, from State, role Role) bool {
	r, ok := rules[action]
	return ok && contains(r.from, from) && contains(r.roles, role)
}

// Actions lists the actions Apply handles, in a fixed order.
func Actions() []Action {
	return []Action{
		ActTriage, ActDispatch, ActReturn, ActAccept, ActReply, ActApprove, ActReject,
		ActCallback, ActClose, ActReopen, ActMerge, ActInvalidate, ActWithdraw,
		ActTransferOut, ActSupplement, ActFlagUrgent, ActSupervise, ActRequestExtension,
		ActGrantExtension, ActDenyExtension, ActMarkOverdue, ActInviteCohandler, ActNote,
	}
}

// Available lists the actions the actor may take on t now.
func Available(t *Ticket, a Actor) []Action {
	var out []Action
	for _, act := range Actions() {
		r := rules[act]
		if !contains(r.from, t.State) || !contains(r.roles, a.Role) {
			continue
		}
		if r.unitBound && !a.InScope(t.UnitPath) && !(r.coHandlers && a.CoHandler) {
			continue
		}
		out = append(out, act)
	}
	return out
}

// Apply performs action on t as actor at time now. On success it mutates t,
// increments its version and returns the event to append to the timeline. On
// failure t is left unchanged and the error unwraps to ErrTransition,
// ErrForbidden, ErrOutOfScope or ErrInvalidInput.
func Apply(t *Ticket, actor Actor, action Action, in Input, now time.Time) (Event, error) {
	r, ok := rules[action]
	if !ok {
		return Event{}, fmt.Errorf("%w: unknown action %q", ErrInvalidInput, action)
	}
	if actor.Role != RoleCitizen && actor.Role != RoleSystem && !actor.CanRead(t) {
		return Event{}, fmt.Errorf("ticket %d: %w", t.ID, ErrOutOfScope)
	}
	if !contains(r.roles, actor.Role) {
		return Event{}, fmt.Errorf("ticket %d: role %s may not %s: %w", t.ID, actor.Role, action, ErrForbidden)
	}
	if r.unitBound && !actor.InScope(t.UnitPath) && !(r.coHandlers && actor.CoHandler) {
		if actor.CoHandler {
			// A co-handler sees the ticket, so the refusal need not hide it.
			return Event{}, fmt.Errorf("ticket %d: a co-handling unit may not %s: %w", t.ID, action, ErrForbidden)
		}
		return Event{}, fmt.Errorf("ticket %d: %w", t.ID, ErrOutOfScope)
	}
	if !contains(r.from, t.State) {
		return Event{}, &TransitionError{Action: action, State: t.State}
	}
	work := *t
	ev := Event{
		TicketID: t.ID, At: now, ActorID: actor.ID, ActorName: actor.Name, ActorRole: actor.Role,
		Action: action, From: t.State, UnitID: t.UnitID, Reason: in.Reason, Details: map[string]string{},
	}
	if err := r.apply(&work, in, now, &ev); err != nil {
		return Event{}, fmt.Errorf("ticket %d: %s: %w", t.ID, action, err)
	}
	work.Version++
	*t = work
	ev.To = t.State
	if ev.UnitID == "" {
		ev.UnitID = t.UnitID
	}
	ev.Details = maps.Clone(ev.Details)
	return ev, nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
