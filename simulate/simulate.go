package simulate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"minyi/store"
	"minyi/ticket"
	"minyi/workflow"
)

// Options tunes a run. Probabilities are per ticket and per step.
type Options struct {
	Until     time.Time // the simulated clock stops here; later steps are not taken
	Seed      uint64
	Progress  func(done, total int)
	MaxTicket int // 0 means all open tickets
}

// Result counts what the run did.
type Result struct {
	Tickets int            `json:"tickets"`
	Actions int            `json:"actions"`
	ByState map[string]int `json:"by_state"`
}

// Run takes every open ticket from its current state as far as the clock allows.
func Run(ctx context.Context, svc *workflow.Service, o Options) (Result, error) {
	if o.Until.IsZero() {
		o.Until = time.Now()
	}
	ids, err := openTickets(ctx, svc.DB(), o.MaxTicket)
	if err != nil {
		return Result{}, err
	}
	res := Result{ByState: map[string]int{}}
	centre := ticket.Actor{Name: "模拟中心坐席", Role: ticket.RoleCentre, UnitID: svc.Profile().CentreUnit,
		UnitPath: svc.Profile().UnitPath(svc.Profile().CentreUnit)}
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		r := rand.New(rand.NewPCG(o.Seed, uint64(id)))
		sim := &run{svc: svc, r: r, centre: centre, until: o.Until}
		state, err := sim.drive(ctx, id)
		if err != nil {
			return res, fmt.Errorf("simulate: ticket %d: %w", id, err)
		}
		res.Tickets++
		res.Actions += sim.actions
		res.ByState[string(state)]++
		if o.Progress != nil {
			o.Progress(i+1, len(ids))
		}
	}
	return res, nil
}

func openTickets(ctx context.Context, db *store.DB, limit int) ([]int64, error) {
	q := `SELECT id FROM tickets WHERE state NOT IN ('closed', 'merged', 'invalid', 'withdrawn', 'transferred_out') ORDER BY id`
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("simulate: open tickets: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		if limit > 0 && len(ids) >= limit {
			break
		}
	}
	return ids, rows.Err()
}

type run struct {
	svc     *workflow.Service
	r       *rand.Rand
	centre  ticket.Actor
	until   time.Time
	actions int
	clock   time.Time
}

// errStop ends a ticket's run when the next step would pass the clock's end.
var errStop = errors.New("simulated clock reached its end")

// hours returns a random duration between lo and hi hours.
func (s *run) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + s.r.Float64()*(hi-lo)) * float64(time.Hour))
}

func (s *run) chance(p float64) bool { return s.r.Float64() < p }

// minStep is the shortest time between two simulated actions on a ticket.
const minStep = time.Minute

// step advances the clock by d, at least minStep, and applies the action,
// first flagging the ticket overdue if the step lands past its deadline.
// The clock never runs backwards, so a ticket's events stay in time order.
func (s *run) step(ctx context.Context, t *ticket.Ticket, d time.Duration, a ticket.Actor, act ticket.Action,
	in ticket.Input) (*ticket.Ticket, error) {
	next := s.clock.Add(max(d, minStep))
	if due := deadline(t); !due.IsZero() && next.After(due) {
		var err error
		if t, err = s.markOverdue(ctx, t); err != nil {
			return nil, err
		}
		next = later(next, s.clock)
	}
	if next.After(s.until) {
		return nil, errStop
	}
	s.clock = next
	out, err := s.svc.Act(ctx, workflow.Command{TicketID: t.ID, Actor: a, Action: act, Input: in, At: next})
	if err != nil {
		return nil, err
	}
	s.actions++
	return out, nil
}

// markOverdue flags t overdue a minute after its deadline unless it is
// flagged already. It returns errStop when that minute lies past the clock's end.
func (s *run) markOverdue(ctx context.Context, t *ticket.Ticket) (*ticket.Ticket, error) {
	due := deadline(t)
	if t.Overdue || due.IsZero() {
		return t, nil
	}
	mark := later(due.Add(time.Minute), s.clock)
	if mark.After(s.until) {
		return nil, errStop
	}
	out, err := s.svc.Act(ctx, workflow.Command{TicketID: t.ID, Actor: ticket.System, Action: ticket.ActMarkOverdue, At: mark})
	if err != nil {
		return nil, err
	}
	s.actions++
	s.clock = mark
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// withinDeadline returns the delay before a step due at due. The delay is a
// random share in [lo, hi) of the time left, or with probability pLate the
// time left plus lateLo to lateHi hours. When due is zero or already passed,
// the delay is lateLo to lateHi hours.
func (s *run) withinDeadline(due time.Time, lo, hi, pLate, lateLo, lateHi float64) time.Duration {
	late := s.chance(pLate)
	window := due.Sub(s.clock)
	if due.IsZero() || window <= 0 {
		return s.hours(lateLo, lateHi)
	}
	if late {
		return window + s.hours(lateLo, lateHi)
	}
	return time.Duration(float64(window) * (lo + (hi-lo)*s.r.Float64()))
}

func deadline(t *ticket.Ticket) time.Time {
	switch t.State {
	case ticket.Dispatched:
		return t.AcceptDue
	case ticket.Accepted:
		return t.ReplyDue
	case ticket.Reviewed:
		return t.CallbackDue
	}
	return time.Time{}
}

func (s *run) handler(t *ticket.Ticket) ticket.Actor {
	return ticket.Actor{Name: "模拟承办民警", Role: ticket.RoleHandler, UnitID: t.UnitID, UnitPath: t.UnitPath}
}

// drive moves one ticket until it ends, stalls, or the clock runs out, and
// returns the state it was left in.
func (s *run) drive(ctx context.Context, id int64) (ticket.State, error) {
	d, err := s.svc.Get(ctx, ticket.System, id, "simulate")
	if err != nil {
		return "", err
	}
	t := d.Ticket
	// The clock resumes at the latest event, so a second run continues where
	// the first stopped.
	s.clock = t.ReceivedAt
	for _, e := range d.Events {
		s.clock = later(s.clock, e.At)
	}
	// A few items stall at their unit and stay open, as real overdue items do.
	stall := s.chance(0.03)
	for steps := 0; steps < 40 && !t.State.Ended(); steps++ {
		next, err := s.next(ctx, t, stall)
		if errors.Is(err, errStop) {
			break
		}
		if err != nil {
			return "", err
		}
		if next == nil {
			break
		}
		t = next
	}
	return t.State, nil
}

// next takes the one step that a ticket in its state would see next.
func (s *run) next(ctx context.Context, t *ticket.Ticket, stall bool) (*ticket.Ticket, error) {
	p := s.svc.Profile()
	switch t.State {
	case ticket.Received, ticket.Triage, ticket.Reopened:
		if t.Urgent || t.Priority == "urgent" {
			// The centre dispatches an urgent item within half an hour and
			// never invalidates or transfers one out.
			return s.step(ctx, t, s.hours(0.05, 0.4), s.centre, ticket.ActDispatch, ticket.Input{UnitID: s.unitOf(t)})
		}
		if t.State == ticket.Triage && s.chance(0.03) {
			return s.step(ctx, t, s.hours(0.5, 3), s.centre, ticket.ActInvalidate, ticket.Input{Reason: "重复或无实质内容"})
		}
		if t.State == ticket.Triage && s.chance(0.04) {
			return s.step(ctx, t, s.hours(0.5, 3), s.centre, ticket.ActTransferOut,
				ticket.Input{Reason: "不属于本局职责范围", Destination: "12345"})
		}
		return s.step(ctx, t, s.hours(0.5, 4), s.centre, ticket.ActDispatch, ticket.Input{UnitID: s.unitOf(t)})
	case ticket.Dispatched:
		if s.chance(0.05) {
			return s.step(ctx, t, s.hours(0.2, 1.5), s.handler(t), ticket.ActReturn, ticket.Input{Reason: "不属于本单位辖区"})
		}
		// Most units sign for an item well inside the accept deadline.
		d := s.withinDeadline(t.AcceptDue, 0.1, 0.9, 0.08, 0.2, 6)
		return s.step(ctx, t, d, s.handler(t), ticket.ActAccept, ticket.Input{})
	case ticket.Accepted:
		if stall {
			// A stalled item passes its reply deadline without a reply.
			if _, err := s.markOverdue(ctx, t); err != nil {
				return nil, err
			}
			return nil, errStop
		}
		d := s.withinDeadline(t.ReplyDue, 0.2, 0.9, 0.07, 4, 48)
		needs := s.chance(0.6)
		return s.step(ctx, t, d, s.handler(t), ticket.ActReply, ticket.Input{
			Reply: replies[s.r.IntN(len(replies))], NeedsRectification: needs, Rectified: needs && s.chance(0.96)})
	case ticket.Replied:
		if s.chance(0.07) {
			return s.step(ctx, t, s.hours(1, 10), s.centre, ticket.ActReject, ticket.Input{Reason: "答复未说明处理结果，请补充"})
		}
		return s.step(ctx, t, s.hours(1, 10), s.centre, ticket.ActApprove, ticket.Input{})
	case ticket.Reviewed:
		outcome := ticket.Satisfied
		switch x := s.r.Float64(); {
		case x < 0.04:
			outcome = ticket.Unsatisfied
		case x < 0.09:
			outcome = ticket.Unreachable
		case x < 0.20:
			outcome = ticket.BasicSatisfied
		}
		if t.ReopenCount > 0 && outcome == ticket.Unsatisfied {
			outcome = ticket.BasicSatisfied // a second round rarely ends unsatisfied again
		}
		return s.step(ctx, t, s.hours(2, 30), s.centre, ticket.ActCallback,
			ticket.Input{Outcome: outcome, MaxAttempts: p.Callback.MaxAttempts})
	case ticket.CalledBack:
		return s.step(ctx, t, s.hours(0.1, 2), s.centre, ticket.ActClose, ticket.Input{})
	}
	return nil, nil
}

var replies = []string{
	"经核查，已安排民警到现场处理，问题已整改到位，并向群众反馈。",
	"已联系相关责任方，于三个工作日内完成整改，后续将加强巡查。",
	"经调查，反映情况属实，已依法处理并告知当事人处理结果。",
	"已对涉及人员进行批评教育，并完善相关工作制度，感谢您的监督。",
	"该问题已移交辖区责任单位，已于本周内处理完毕，现场已恢复正常。",
}

// unitOf returns the unit the centre sends t to: a reopened item goes back
// to its unit, and any other item to the unit the rules name for its tag.
func (s *run) unitOf(t *ticket.Ticket) string {
	if t.State == ticket.Reopened && t.UnitID != "" {
		return t.UnitID
	}
	return s.unitFor(t.Tag)
}

// unitFor returns the fixed unit a rule names for tag, or else a random
// handling unit, as a centre does for items no rule places.
func (s *run) unitFor(tag string) string {
	p := s.svc.Profile()
	for _, r := range p.Rules {
		if r.Tag == tag && r.Unit != "" && len(r.Keywords) == 0 {
			return r.Unit
		}
	}
	return s.pickUnit()
}

func (s *run) pickUnit() string {
	p := s.svc.Profile()
	var candidates []string
	for _, u := range p.Units {
		switch u.Kind {
		case "station", "brigade", "window", "department":
			candidates = append(candidates, u.ID)
		}
	}
	if len(candidates) == 0 {
		return p.CentreUnit
	}
	return candidates[s.r.IntN(len(candidates))]
}
