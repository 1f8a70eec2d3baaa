package web

import (
	"net/http"
	"strings"
	"time"

	"minyi/evaluate"
	"minyi/profile"
	"minyi/workflow"
)

// officersData lists the officers of one unit the account may see.
type officersData struct {
	Units    []selectOption
	Officers []profile.Officer
}

// officerUnitOptions lists the units whose officers the account may see.
func (s *Server) officerUnitOptions(v *consoleView, selected string) []selectOption {
	actor := v.Account.Actor()
	var out []selectOption
	for _, u := range s.prof.Units {
		if actor.InScope(s.prof.UnitPath(u.ID)) {
			out = append(out, selectOption{Value: u.ID, Label: u.Name, Selected: u.ID == selected})
		}
	}
	return out
}

func (s *Server) officersPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "title.officers")
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = v.Account.UnitID
	}
	if !v.Account.Actor().InScope(s.prof.UnitPath(unit)) {
		s.consoleError(w, r, workflow.ErrNotFound)
		return
	}
	d := officersData{Units: s.officerUnitOptions(v, unit)}
	for _, o := range s.prof.Officers {
		if o.Unit == unit {
			d.Officers = append(d.Officers, o)
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "officers", v)
}

// officerData is an officer's ratings and praise by month beside their
// unit's. It holds evaluations only: complaint tickets about the officer
// are never read here, and evaluate.Recent drops the comment of a rating
// that became a complaint.
type officerData struct {
	Officer profile.Officer
	Months  []officerMonth
	Total   officerMonth
	Praise  []evaluate.Evaluation
}

type officerMonth struct {
	Month          string
	Officer, Unit  evaluate.Figures
	OfficerRate    float64
	UnitRate       float64
	HasOfficerRate bool
	HasUnitRate    bool
}

func (s *Server) officerPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := s.newView(w, r, "title.officer")
	id := r.PathValue("id")
	var off profile.Officer
	for _, o := range s.prof.Officers {
		if o.ID == id {
			off = o
		}
	}
	// An officer outside the account's units looks like one that does not exist.
	if off.ID == "" || !v.Account.Actor().InScope(s.prof.UnitPath(off.Unit)) {
		s.consoleError(w, r, workflow.ErrNotFound)
		return
	}
	loc := s.prof.Location
	now := s.now().In(loc)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -11, 0)
	mine, err := evaluate.Series(ctx, s.db, evaluate.Scope{OfficerID: off.ID}, from, now, loc, evaluate.Month)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	unit, err := evaluate.Series(ctx, s.db, evaluate.Scope{UnitPath: s.prof.UnitPath(off.Unit)}, from, now, loc, evaluate.Month)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	d := officerData{Officer: off}
	for i := range mine {
		m := officerMonth{Month: mine[i].Start.Format("2006-01"), Officer: mine[i].Figures}
		if i < len(unit) {
			m.Unit = unit[i].Figures
		}
		d.Months = append(d.Months, m.withRates())
		addFigures(&d.Total.Officer, m.Officer)
		addFigures(&d.Total.Unit, m.Unit)
	}
	d.Total = d.Total.withRates()
	if d.Praise, err = evaluate.Recent(ctx, s.db, evaluate.Scope{OfficerID: off.ID}, evaluate.KindPraise, 20); err != nil {
		s.consoleError(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "officer", v)
}

func (m officerMonth) withRates() officerMonth {
	m.OfficerRate, m.HasOfficerRate = m.Officer.SatisfactionRate()
	m.UnitRate, m.HasUnitRate = m.Unit.SatisfactionRate()
	return m
}

func addFigures(into *evaluate.Figures, f evaluate.Figures) {
	into.Satisfied += f.Satisfied
	into.Basic += f.Basic
	into.Unsatisfied += f.Unsatisfied
	into.Praise += f.Praise
}

// officerName returns "NAME BADGE" for an officer id, or "" when unknown.
func (s *Server) officerName(id string) string {
	for _, o := range s.prof.Officers {
		if o.ID == id {
			return strings.TrimSpace(o.Name + " " + o.Badge)
		}
	}
	return ""
}
