package web

import (
	"strings"

	"minyi/ticket"
)

// readerOf returns actor a with CoHandler set when t lies outside a's units.
// t must come from workflow.Get, List or Act for a, which admit a handler or
// leader to such a ticket only as a co-handler. The flag only selects the
// forms and actions offered, and workflow.Act checks each action again.
func readerOf(a ticket.Actor, t *ticket.Ticket) ticket.Actor {
	if (a.Role == ticket.RoleHandler || a.Role == ticket.RoleLeader) && !a.InScope(t.UnitPath) {
		a.CoHandler = true
	}
	return a
}

// inviteUnitOptions lists the units a lead unit may invite to co-handle t:
// every unit below the root that neither contains the lead unit nor lies
// within it, except the centre and the discipline unit.
func (s *Server) inviteUnitOptions(t *ticket.Ticket) []selectOption {
	var out []selectOption
	for _, u := range s.prof.Units {
		if u.Parent == "" || u.ID == s.prof.CentreUnit || u.ID == s.prof.DisciplineUnit {
			continue
		}
		p := s.prof.UnitPath(u.ID)
		if strings.HasPrefix(p, t.UnitPath) || strings.HasPrefix(t.UnitPath, p) {
			continue
		}
		out = append(out, selectOption{Value: u.ID, Label: u.Name})
	}
	return out
}
