package web

import (
	"fmt"
	"net/http"

	"minyi/dispatch"
)

// routingQualityData is the routing-quality page: returns (退单) by the rule
// that routed the item, by tag and by unit, so that a rule that keeps sending
// items to the wrong unit shows.
type routingQualityData struct {
	From, To string
	Returns  int
	Sections []qualitySection
}

type qualitySection struct {
	TitleKey string
	Rows     []qualityRow
}

type qualityRow struct {
	Name                 string
	Dispatched, Returned int
	Rate                 string
}

func (s *Server) routingQualityPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "title.routing")
	from, to, err := s.dateRange(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	q, err := dispatch.NewRouter(s.prof).RoutingQuality(r.Context(), s.db, from, to, s.scopeOf(v.Account.Actor()))
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	loc := s.prof.Location
	d := routingQualityData{From: from.In(loc).Format("2006-01-02"), To: to.In(loc).AddDate(0, 0, -1).Format("2006-01-02"),
		Returns: q.Returns}
	for _, sec := range []struct {
		key  string
		rows []dispatch.QualityRow
	}{{"routing.by_rule", q.ByRule}, {"routing.by_tag", q.ByTag}, {"routing.by_unit", q.ByUnit}} {
		qs := qualitySection{TitleKey: sec.key}
		for _, row := range sec.rows {
			name := row.Name
			if sec.key == "routing.by_rule" || row.Key == "(none)" {
				name = v.RouteName(row.Key) // rule keys and the placeholder for a missing tag are English
			}
			qs.Rows = append(qs.Rows, qualityRow{Name: name, Dispatched: row.Dispatched, Returned: row.Returned,
				Rate: fmt.Sprintf("%.1f%%", 100*row.ReturnRate)})
		}
		d.Sections = append(d.Sections, qs)
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "routing", v)
}
