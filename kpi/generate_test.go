package kpi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"minyi/store"
)

// generated describes a database filled by generateCity.
type generated struct {
	end   time.Time // the last receipt is before end; deadlines run against it
	units []genUnit // stations, each under one of the branches
}

type genUnit struct{ id, path string }

var (
	genChannels = []string{"qr", "12345", "110", "mailbox", "12389", "phone", "email", "xlsx"}
	genTags     = []string{"治安/噪音", "治安/纠纷", "交通/违停", "交通/事故", "户政/户口", "户政/身份证",
		"出入境/护照", "服务/态度", "服务/效率", "求助/寻人", "求助/开锁", "建议/其他", "表扬/民警",
		"消防/隐患", "网络/诈骗", "车管/驾照", "车管/年检", "督察/作风", "治安/赌博", "其他/其他"}
	genOutcomes = []string{"satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "satisfied",
		"satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "satisfied",
		"satisfied", "satisfied", "basic", "basic", "unsatisfied", "unreachable"}
)

// generateCity inserts n tickets received over the 365 days before end, with
// the events the workflow would write, straight into the tables. The rows
// follow the workflow's rules: a closed ticket was called back (except a few
// imported ones), an ended ticket keeps the times it reached, and a ticket
// still open has only the steps its age allows. The same seed gives the same
// rows.
func generateCity(t testing.TB, db *store.DB, n int, seed uint64) generated {
	t.Helper()
	ctx := context.Background()
	g := generated{end: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	r := rand.New(rand.NewPCG(seed, 1))

	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, path, name, kind) VALUES
			('city', NULL, '/city/', 'city', 'bureau')`); err != nil {
			return err
		}
		for b := 0; b < 6; b++ {
			branch := fmt.Sprintf("b%d", b)
			if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, path, name, kind) VALUES (?, 'city', ?, ?, 'branch')`,
				branch, "/city/"+branch+"/", branch); err != nil {
				return err
			}
			for s := 0; s < 8; s++ {
				u := genUnit{id: fmt.Sprintf("%s_s%d", branch, s)}
				u.path = "/city/" + branch + "/" + u.id + "/"
				if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, path, name, kind) VALUES (?, ?, ?, ?, 'station')`,
					u.id, branch, u.path, u.id); err != nil {
					return err
				}
				g.units = append(g.units, u)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("generate units: %v", err)
	}

	const batch = 500
	for start := 0; start < n; start += batch {
		var tickets []genTicket
		for i := start; i < n && i < start+batch; i++ {
			tickets = append(tickets, g.ticket(r, i, n))
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return insertGenerated(ctx, tx, tickets) }); err != nil {
			t.Fatalf("generate tickets: %v", err)
		}
	}
	return g
}

// genTicket is one generated ticket and its events.
type genTicket struct {
	code, channel, state, unitID, unitPath, tag, result  string
	received, dispatched, acceptDue, accepted, replyDue  int64
	replied, reviewed, calledBack, closed, ended         int64
	needsRectification, rectified, overdue, reopenedOnce bool
	events                                               []genEvent
}

type genEvent struct {
	at                  int64
	action, to, details string
}

// ticket draws ticket i of n. Receipts spread evenly over the year, and a
// ticket's later steps stop at g.end, so recent tickets are still open.
func (g generated) ticket(r *rand.Rand, i, n int) genTicket {
	hour := float64(time.Hour / time.Millisecond)
	end := g.end.UnixMilli()
	year := int64(365 * 24 * hour)
	tk := genTicket{
		code:     fmt.Sprintf("G%08d", i),
		channel:  genChannels[r.IntN(len(genChannels))],
		received: end - year + int64(i)*year/int64(n) + r.Int64N(int64(hour)),
		state:    "received",
	}
	tk.events = append(tk.events, genEvent{at: tk.received, action: "create", to: "received",
		details: `{"channel":"` + tk.channel + `"}`})
	at := func(from int64, lo, hi float64) int64 { return from + int64((lo+r.Float64()*(hi-lo))*hour) }
	step := func(ms int64, action, state, details string) bool {
		if ms >= end {
			return false
		}
		tk.state = state
		tk.events = append(tk.events, genEvent{at: ms, action: action, to: state, details: details})
		return true
	}

	// A few tickets end before dispatch: invalid, withdrawn, merged, transferred out.
	switch p := r.Float64(); {
	case p < 0.03:
		step(at(tk.received, 0.1, 4), "invalidate", "invalid", "{}")
		return tk.ended0()
	case p < 0.05:
		step(at(tk.received, 0.1, 4), "transfer", "transferred_out", "{}")
		return tk.ended0()
	case p < 0.06:
		step(at(tk.received, 0.1, 4), "merge", "merged", "{}")
		return tk.ended0()
	}
	tk.tag = genTags[r.IntN(len(genTags))]
	unit := g.units[r.IntN(len(g.units))]
	tk.unitID, tk.unitPath = unit.id, unit.path

	tk.dispatched = at(tk.received, 0.05, 3)
	if !step(tk.dispatched, "dispatch", "dispatched", `{"unit":"`+unit.id+`"}`) {
		tk.unitID, tk.unitPath, tk.dispatched = "", "", 0
		tk.state = "triage"
		return tk
	}
	tk.acceptDue = tk.dispatched + int64(2*hour)
	tk.replyDue = tk.dispatched + int64(72*hour)
	if r.Float64() < 0.02 {
		step(at(tk.dispatched, 0.5, 5), "withdraw", "withdrawn", "{}")
		return tk.ended0()
	}
	if accepted := at(tk.dispatched, 0.1, 2.6); step(accepted, "accept", "accepted", "{}") {
		tk.accepted = accepted
	} else {
		tk.overdue = end > tk.acceptDue
		return tk
	}
	tk.needsRectification = r.Float64() < 0.4
	tk.rectified = tk.needsRectification && r.Float64() < 0.9
	if replied := at(tk.accepted, 2, 80); step(replied, "reply", "replied", `{"rectified":"yes"}`) {
		tk.replied = replied
	} else {
		tk.overdue = end > tk.replyDue
		return tk
	}
	if reviewed := at(tk.replied, 0.5, 10); step(reviewed, "review", "reviewed", "{}") {
		tk.reviewed = reviewed
	} else {
		return tk
	}
	// Tickets imported with a closure skip the call-back.
	if r.Float64() < 0.01 {
		if closed := at(tk.reviewed, 1, 5); step(closed, "close", "closed", "{}") {
			tk.closed, tk.ended = closed, closed
		}
		return tk
	}
	for {
		calledBack := at(tk.reviewed, 2, 30)
		result := genOutcomes[r.IntN(len(genOutcomes))]
		if !step(calledBack, "callback", "called_back", `{"outcome":"`+result+`"}`) {
			return tk
		}
		tk.calledBack, tk.result = calledBack, result
		closed := at(calledBack, 0, 2)
		if !step(closed, "close", "closed", "{}") {
			return tk
		}
		tk.closed, tk.ended = closed, closed
		// An unsatisfied citizen reopens the ticket once. Its second pass
		// replaces the accept, reply and review times.
		if result != "unsatisfied" || tk.reopenedOnce {
			return tk
		}
		tk.reopenedOnce = true
		reopened := at(closed, 1, 48)
		if !step(reopened, "reopen", "reopened", "{}") {
			return tk
		}
		tk.closed, tk.ended = 0, 0
		tk.dispatched = at(reopened, 0.1, 2)
		if !step(tk.dispatched, "dispatch", "dispatched", `{"unit":"`+unit.id+`"}`) {
			return tk
		}
		tk.acceptDue, tk.replyDue = tk.dispatched+int64(2*hour), tk.dispatched+int64(72*hour)
		tk.accepted, tk.replied, tk.reviewed = 0, 0, 0
		if tk.accepted = at(tk.dispatched, 0.1, 3); !step(tk.accepted, "accept", "accepted", "{}") {
			tk.accepted = 0
			return tk
		}
		if tk.replied = at(tk.accepted, 2, 60); !step(tk.replied, "reply", "replied", "{}") {
			tk.replied = 0
			return tk
		}
		if tk.reviewed = at(tk.replied, 0.5, 8); !step(tk.reviewed, "review", "reviewed", "{}") {
			tk.reviewed = 0
			return tk
		}
	}
}

// ended0 marks a ticket that ended without handling at its last event.
func (tk genTicket) ended0() genTicket {
	if last := tk.events[len(tk.events)-1]; last.to != "received" {
		tk.ended = last.at
	} else {
		tk.state = "triage"
	}
	return tk
}

func insertGenerated(ctx context.Context, tx *store.Tx, tickets []genTicket) error {
	for _, tk := range tickets {
		id, err := store.InsertID(ctx, tx, `INSERT INTO tickets (tracking_code, channel, kind, title, body, state,
			unit_id, unit_path, tag, overdue, received_at, dispatched_at, accept_due, accepted_at, reply_due,
			replied_at, reviewed_at, called_back_at, closed_at, ended_at, rectified, needs_rectification,
			callback_result, reopen_count, created_at, updated_at)
			VALUES (?, ?, 'complaint', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tk.code, tk.channel, "生成的诉求 "+tk.code, strings.Repeat("生成的诉求正文。", 20), tk.state,
			nullText(tk.unitID), tk.unitPath, tk.tag, boolInt(tk.overdue), tk.received,
			nullMillis(tk.dispatched), nullMillis(tk.acceptDue), nullMillis(tk.accepted), nullMillis(tk.replyDue),
			nullMillis(tk.replied), nullMillis(tk.reviewed), nullMillis(tk.calledBack), nullMillis(tk.closed),
			nullMillis(tk.ended), boolInt(tk.rectified), boolInt(tk.needsRectification), tk.result,
			boolInt(tk.reopenedOnce), tk.received, tk.received)
		if err != nil {
			return fmt.Errorf("ticket %s: %w", tk.code, err)
		}
		var sb strings.Builder
		args := make([]any, 0, 5*len(tk.events))
		sb.WriteString(`INSERT INTO ticket_events (ticket_id, at, actor_name, actor_role, action, from_state,
			to_state, details) VALUES `)
		for i, ev := range tk.events {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, 'generator', 'system', ?, '', ?, ?)")
			args = append(args, id, ev.at, ev.action, ev.to, ev.details)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("events of %s: %w", tk.code, err)
		}
	}
	return nil
}

func nullMillis(ms int64) any {
	if ms == 0 {
		return nil
	}
	return ms
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
