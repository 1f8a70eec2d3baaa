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

// step advances the clock by d and applies the action, first flagging the
// ticket overdue if the step lands past its deadline.
func (s *run) step(ctx context.Context, t *ticket.Ticket, d time.Duration, a ticket.Actor, act ticket.Action,
	in ticket.Input) (*ticket.Ticket, error) {
	next := s.clock.Add(d)
	if due := deadline(t); !due.IsZero() && next.After(due) && !t.Overdue {
		mark := due.Add(time.Minute)
		if mark.After(s.until) {
			return nil, errStop
		}
		var err error
		t, err = s.svc.Act(ctx, workflow.Command{TicketID: t.ID, Actor: ticket.System, Action: ticket.ActMarkOverdue, At: mark})
		if err != nil {
			return nil, err
		}
		s.actions++
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
	s.clock = t.ReceivedAt
	if n := len(d.Events); n > 0 {
		s.clock = d.Events[n-1].At
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
		if t.State == ticket.Triage && s.chance(0.03) {
			return s.step(ctx, t, s.hours(0.5, 3), s.centre, ticket.ActInvalidate, ticket.Input{Reason: "重复或无实质内容"})
		}
		if t.State == ticket.Triage && s.chance(0.04) {
			return s.step(ctx, t, s.hours(0.5, 3), s.centre, ticket.ActTransferOut,
				ticket.Input{Reason: "不属于本局职责范围", Destination: "12345"})
		}
		// The centre corrects the tag where needed and sends the item to the
		// unit its rules name; a reopened item goes back to its unit.
		unit := t.UnitID
		if t.State != ticket.Reopened || unit == "" {
			unit = s.unitFor(t.Tag)
		}
		return s.step(ctx, t, s.hours(0.5, 4), s.centre, ticket.ActDispatch, ticket.Input{UnitID: unit})
	case ticket.Dispatched:
		if s.chance(0.05) {
			return s.step(ctx, t, s.hours(1, 8), s.handler(t), ticket.ActReturn, ticket.Input{Reason: "不属于本单位辖区"})
		}
		late := s.chance(0.08)
		d := s.hours(0.2, 0.9)
		if !t.AcceptDue.IsZero() {
			window := t.AcceptDue.Sub(s.clock)
			d = time.Duration(float64(window) * (0.1 + 0.8*s.r.Float64()))
			if late {
				d = window + s.hours(1, 12)
			}
		}
		return s.step(ctx, t, d, s.handler(t), ticket.ActAccept, ticket.Input{})
	case ticket.Accepted:
		if stall {
			return nil, errStop
		}
		d := s.hours(8, 72)
		if !t.ReplyDue.IsZero() {
			window := t.ReplyDue.Sub(s.clock)
			d = time.Duration(float64(window) * (0.2 + 0.7*s.r.Float64()))
			if s.chance(0.07) {
				d = window + s.hours(4, 48)
			}
		}
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
