package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"minyi/ticket"
)

// runRoute prints why a ticket went where it went: every triage and dispatch
// step of its timeline with the router's reasoning.
func runRoute(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("route", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "explain" {
		return usageError{"usage: minyi route explain TICKET_ID"}
	}
	id, err := strconv.ParseInt(fs.Arg(1), 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("ticket id %q is not a number", fs.Arg(1))}
	}
	svc, err := a.Service(ctx)
	if err != nil {
		return err
	}
	d, err := svc.Get(ctx, ticket.System, id, "route explain")
	if err != nil {
		return err
	}
	t := d.Ticket
	p := svc.Profile()
	fmt.Fprintf(a.stdout, "ticket %d (%s) state %s\n", t.ID, t.TrackingCode, t.State)
	fmt.Fprintf(a.stdout, "tag %q confidence %.2f decided by %s\n", t.Tag, t.TagConfidence, orDash(t.TagSource))
	unitName := "-"
	if u, ok := p.Unit(t.UnitID); ok {
		unitName = u.Name + " (" + u.ID + ")"
	}
	fmt.Fprintf(a.stdout, "unit %s decided by %s\n", unitName, orDash(t.RouteSource))
	for _, ev := range d.Events {
		if ev.Action != ticket.ActDispatch && ev.Action != ticket.ActTriage && ev.Action != ticket.ActReturn {
			continue
		}
		when := ev.At.In(p.Location).Format("2006-01-02 15:04")
		fmt.Fprintf(a.stdout, "\n%s %s by %s → %s", when, ev.Action, ev.ActorName, ev.To)
		if ev.Reason != "" {
			fmt.Fprintf(a.stdout, ": %s", ev.Reason)
		}
		fmt.Fprintln(a.stdout)
		if ex := ev.Details["explain"]; ex != "" {
			fmt.Fprintf(a.stdout, "  %s\n", indent(ex))
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func indent(s string) string {
	out := ""
	for i, r := range s {
		out += string(r)
		if r == '\n' && i < len(s)-1 {
			out += "  "
		}
	}
	return out
}
