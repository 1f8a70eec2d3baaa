package dispatch

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"minyi/place"
	"minyi/profile"
)

// Candidate is one unit the router considered for an item, with a score in
// [0, 1] and the reason behind each source that proposed it.
type Candidate struct {
	UnitID  string   `json:"unit_id"`
	Name    string   `json:"name"`
	Score   float64  `json:"score"`
	Sources []string `json:"sources"` // rule:NAME, code, model, area, area_margin, place
	// Reasons has one entry per source, each in Chinese with the English
	// after it in brackets, as the router's steps read.
	Reasons []string `json:"reasons"`
}

// reason is a candidate's reason in Chinese and in English.
type reason struct{ zh, en string }

// String returns the reason as staff read it: "中文（English）".
func (r reason) String() string { return r.zh + "（" + r.en + "）" }

// evidenceText names the evidence standIn returns, in Chinese and English.
var evidenceText = map[string]reason{
	"area":  {zh: "坐标", en: "point"},
	"place": {zh: "所提地名", en: "place name"},
}

// Scores of the sources. A unit proposed by several sources scores
// 1 − Π(1 − s), so agreement raises it. A unit that no rule for the item's tag
// can send to scores half, because the tag, not the place, decides which
// kind of unit handles it.
const (
	scoreCode      = 0.6
	scoreArea      = 0.8
	scoreMargin    = 0.5
	scorePlace     = 0.6
	scoreModel     = 0.8 // times the model's confidence
	outOfScope     = 0.5
	DefaultMargin  = 50.0 // metres, when the profile sets no boundary margin
	disagreeGap    = 0.15 // two units closer than this in score disagree
	minPlaceToShip = 0.6  // the minimum score at which place alone dispatches
)

// geoIndex holds the profile's unit areas and place names.
type geoIndex struct {
	areas  []unitArea
	gaz    *place.Gazetteer
	margin float64
}

type unitArea struct {
	unit string
	poly place.Polygon
}

func newGeoIndex(p *profile.Profile) *geoIndex {
	g := &geoIndex{margin: p.Triage.BoundaryMargin}
	if g.margin <= 0 {
		g.margin = DefaultMargin
	}
	var entries []place.Entry
	for _, u := range p.Units {
		for _, name := range u.Places {
			entries = append(entries, place.Entry{UnitID: u.ID, Name: name})
		}
		if u.Area == nil {
			continue
		}
		// Validate rejects invalid areas, so an error here means an unvalidated profile.
		if poly, err := u.Area.Polygon(); err == nil {
			g.areas = append(g.areas, unitArea{unit: u.ID, poly: poly})
		}
	}
	g.gaz = place.NewGazetteer(entries)
	return g
}

// Route decides where an item goes. It applies the tag, keyword and code
// rules, then ranks every candidate unit. The candidates are the rule's unit,
// the code's unit, and the unit the model's own tag leads to when a keyword
// overrode it. Then come the units whose area holds the item's point and the
// units whose place names the text mentions.
//
// The item goes to triage, with the candidates in Decision.Candidates, in
// three cases. The point lies within the boundary margin of another unit's
// area. The two best units score within 0.15 of each other. The best unit is
// not the one the rules chose and scores higher. An item that came through
// no code is placed by its point or place names when they lead to exactly
// one unit that a code rule for its tag accepts (see standIn). A tag that no
// rule places is dispatched by place when one unit clearly leads. Complaints
// about an officer's conduct go to the discipline unit whatever the place.
func (r *Router) Route(it Item) Decision {
	d := r.routeByTag(it)
	c := candidateSet{r: r}
	r.locate(it, &d)
	if d.Source == "conduct" {
		c.add(d.UnitID, 1, "conduct", reason{zh: "针对民警的投诉交督察部门",
			en: "complaints about an officer's conduct go to the discipline unit"})
		d.Candidates = c.ranked()
		return d
	}

	matches := r.geo.gaz.Match(it.Text+"\n"+it.Place, d.Places)
	evidence := ""
	if it.CodeUnit == "" && (placeable(d) || strings.HasPrefix(d.Source, "rule:")) {
		if unit, ev := r.standIn(d.Tag, d.Point, matches); unit != "" {
			alt := it
			alt.CodeUnit = unit
			if d2 := r.routeByTag(alt); d2.UnitID == unit {
				r.locate(alt, &d2)
				d2.step("此件%[1]s指向%[2]s，可代替规则所需的扫码单位（the %[3]s points at %[2]s, which stands in for the code of a rule）",
					evidenceText[ev].zh, r.unitName(unit), evidenceText[ev].en)
				d, evidence = d2, ev
			}
		}
	}

	c.scope, c.tag = r.scope(d.Tag), d.Tag
	switch {
	case evidence != "":
		c.add(d.UnitID, ruleScore(d), d.Source, reason{
			zh: fmt.Sprintf("%s 把“%s”派给此件%s所属的单位", d.Source, d.Tag, evidenceText[evidence].zh),
			en: fmt.Sprintf("%s sends tag %q to the unit of the item's %s", d.Source, d.Tag, evidenceText[evidence].en)})
	case d.UnitID != "":
		c.add(d.UnitID, ruleScore(d), d.Source, reason{
			zh: fmt.Sprintf("%s 把“%s”派给本单位", d.Source, d.Tag),
			en: fmt.Sprintf("%s sends tag %q here", d.Source, d.Tag)})
	}
	if it.CodeUnit != "" {
		c.addScoped(it.CodeUnit, scoreCode, "code", reason{zh: "此件来自本单位的二维码",
			en: "the item came through a code of this unit"})
	}
	if it.HasTag && it.Tag.Label != d.Tag && strings.HasPrefix(d.TagSource, "rule:") {
		if unit, rule := r.tagRuleUnit(it.Tag.Label, it); unit != "" {
			c.add(unit, scoreModel*it.Tag.Confidence, "model", reason{
				zh: fmt.Sprintf("模型判断的“%s”（%.2f）按规则“%s”指向本单位", it.Tag.Label, it.Tag.Confidence, rule),
				en: fmt.Sprintf("the model's tag %q (%.2f) leads here by rule %q", it.Tag.Label, it.Tag.Confidence, rule)})
		}
	}

	var near []string
	if d.Point != nil {
		near = r.addAreas(&c, *d.Point)
	}
	for _, m := range matches {
		c.addScoped(m.UnitID, scorePlace, "place", reason{zh: fmt.Sprintf("此件提到本单位的地名“%s”", m.Quoted),
			en: fmt.Sprintf("the item names %s, a place of this unit", m.Quoted)})
	}
	d.Candidates = c.ranked()
	for _, cand := range d.Candidates {
		// Each reason carries its own English, so the line gives the English of its head only.
		d.step("候选单位 %[1]s（%[2]s）得分 %.2[3]f（candidate, score %.2[3]f）：%[4]s",
			cand.Name, cand.UnitID, cand.Score, strings.Join(cand.Reasons, "；"))
	}
	d = r.decide(d, near)
	if evidence != "" && d.UnitID != "" {
		d.Source = evidence // the place decided, through the rule named in the candidates
	}
	return d
}

// standIn returns the one unit that the item's point or place names point at
// and that a code rule for tag accepts, with the evidence ("area" or
// "place"). Such a unit stands in for the code the item did not come
// through: 东关大街 in a traffic item leads to the brigade that lists it, as
// the brigade's own code would. It returns "" when no unit or several do.
func (r *Router) standIn(tag string, pt *place.Point, matches []place.Match) (unit, evidence string) {
	found := map[string]string{}
	if pt != nil {
		for _, a := range r.geo.areas {
			if a.poly.Contains(*pt) && r.codeRuleAccepts(tag, a.unit) {
				found[a.unit] = "area"
			}
		}
	}
	for _, m := range matches {
		if _, ok := found[m.UnitID]; !ok && r.codeRuleAccepts(tag, m.UnitID) {
			found[m.UnitID] = "place"
		}
	}
	if len(found) != 1 {
		return "", ""
	}
	for u, ev := range found {
		unit, evidence = u, ev
	}
	return unit, evidence
}

// codeRuleAccepts reports whether a tag rule for tag that uses the code's
// unit would accept a code of unit. Rules that accept a code of any unit,
// such as praise for whoever was scanned, are about the code, not the place,
// so they do not count.
func (r *Router) codeRuleAccepts(tag, unit string) bool {
	for _, rule := range r.rules {
		if rule.Tag == tag && len(rule.Keywords) == 0 && rule.UseCodeUnit && len(rule.CodeWithin) > 0 &&
			r.codeWithin(rule, unit) {
			return true
		}
	}
	return false
}

// decide turns the ranked candidates into dispatch or triage.
func (r *Router) decide(d Decision, near []string) Decision {
	if d.TransferTo != "" || len(d.Candidates) == 0 {
		return d
	}
	if len(near) > 0 {
		return r.retriage(d, fmt.Sprintf("地点距%[2]s辖区边界不足 %.0[1]f 米，请核实地点（the point lies within %.0[1]f m of the area of %[2]s: check the place）",
			r.geo.margin, strings.Join(near, ", ")))
	}
	top := d.Candidates[0]
	if len(d.Candidates) > 1 {
		second := d.Candidates[1]
		if top.Score-second.Score < disagreeGap {
			return r.retriage(d, fmt.Sprintf("候选单位相持：%[1]s (%.2[2]f) 与 %[3]s (%.2[4]f)（candidates disagree: %[1]s (%.2[2]f) and %[3]s (%.2[4]f)）",
				top.Name, top.Score, second.Name, second.Score))
		}
	}
	switch {
	case d.UnitID != "" && top.UnitID != d.UnitID:
		return r.retriage(d, fmt.Sprintf("地点指向%[1]s (%.2[2]f)，规则指向%[3]s（the place points at %[1]s (%.2[2]f), the rules at %[3]s）",
			top.Name, top.Score, r.unitName(d.UnitID)))
	case d.Triage && placeable(d) && top.Score >= minPlaceToShip && r.inScope(d.Tag, top.UnitID):
		d.Triage, d.Reason = false, ""
		return r.dispatchTo(d, top.UnitID, top.Sources[0])
	}
	return d
}

// placeable reports whether d went to triage only because no rule places its
// tag, so that a place or point may decide.
func placeable(d Decision) bool {
	return d.Triage && d.Tag != "" && strings.Contains(d.Reason, noRuleReason)
}

// retriage sends a dispatched or triaged decision to triage with reason.
func (r *Router) retriage(d Decision, reason string) Decision {
	if d.Triage {
		d.Reason += "; " + reason
		d.step("另外：%s", reason)
		return d
	}
	d.UnitID, d.Source = "", ""
	return d.triage(reason)
}

// locate converts the item's point to WGS-84 and extracts place mentions.
func (r *Router) locate(it Item, d *Decision) {
	d.Places = place.Extract(it.Text + "\n" + it.Place)
	if it.Lat == 0 && it.Lon == 0 {
		return
	}
	sys, err := place.ParseSystem(it.CoordSystem)
	if err == nil {
		var pt place.Point
		pt, err = place.ToWGS84(place.Point{Lat: it.Lat, Lon: it.Lon}, sys)
		if err == nil {
			d.Point, d.PointSystem = &pt, sys
			d.step("坐标 %.6[1]f,%.6[2]f（%[3]s）即 WGS-84 %.6[4]f,%.6[5]f（point %.6[1]f,%.6[2]f (%[3]s) is %.6[4]f,%.6[5]f in WGS-84）",
				it.Lat, it.Lon, sys, pt.Lat, pt.Lon)
			return
		}
	}
	d.step("坐标无效，已忽略（point ignored: %v）", err)
}

// addAreas adds the units whose area holds pt or lies within the margin, and
// returns the names of the units within the margin but not holding pt.
func (r *Router) addAreas(c *candidateSet, pt place.Point) []string {
	var near []string
	holders := 0
	for _, a := range r.geo.areas {
		dist := a.poly.DistanceToBoundary(pt)
		switch {
		case a.poly.Contains(pt):
			holders++
			c.addScoped(a.unit, scoreArea, "area", reason{
				zh: fmt.Sprintf("坐标在本单位辖区内，距边界 %.0f 米", dist),
				en: fmt.Sprintf("the point lies inside this unit's area, %.0f m from its boundary", dist)})
		case dist <= r.geo.margin:
			near = append(near, r.unitName(a.unit))
			c.addScoped(a.unit, scoreMargin, "area_margin", reason{
				zh: fmt.Sprintf("坐标在本单位辖区外 %.0f 米，处于 %.0f 米边界余量内", dist, r.geo.margin),
				en: fmt.Sprintf("the point lies %.0f m outside this unit's area, within the %.0f m margin", dist, r.geo.margin)})
		}
	}
	if holders == 0 && len(near) == 1 {
		return nil // just outside a single area, with no rival area around it
	}
	return near
}

// scope returns the units that some rule for tag may send to; nil means any.
func (r *Router) scope(tag string) func(unit string) bool {
	return func(unit string) bool { return r.inScope(tag, unit) }
}

func (r *Router) inScope(tag, unit string) bool {
	for _, rule := range r.rules {
		if rule.Tag != tag || len(rule.Keywords) > 0 {
			continue
		}
		if rule.Unit == unit || (rule.UseCodeUnit && r.codeWithin(rule, unit)) {
			return true
		}
	}
	return false
}

// tagRuleUnit returns the unit and rule the tag rules choose for tag.
func (r *Router) tagRuleUnit(tag string, it Item) (string, string) {
	for _, rule := range r.rules {
		if len(rule.Keywords) > 0 || rule.Tag != tag {
			continue
		}
		if unit := r.ruleUnit(rule, it); unit != "" {
			return unit, rule.Name
		}
	}
	return "", ""
}

func (r *Router) unitName(id string) string {
	if u, ok := r.p.Unit(id); ok {
		return u.Name
	}
	return id
}

func ruleScore(d Decision) float64 {
	if strings.HasPrefix(d.TagSource, "rule:") {
		return 1
	}
	return d.Confidence
}

// candidateSet collects candidates by unit.
type candidateSet struct {
	r     *Router
	scope func(string) bool
	tag   string
	byID  map[string]*Candidate
	order []string
}

func (c *candidateSet) add(unit string, score float64, source string, explanation reason) {
	if unit == "" {
		return
	}
	if c.byID == nil {
		c.byID = map[string]*Candidate{}
	}
	cand, ok := c.byID[unit]
	if !ok {
		cand = &Candidate{UnitID: unit, Name: c.r.unitName(unit)}
		c.byID[unit] = cand
		c.order = append(c.order, unit)
	}
	cand.Score = 1 - (1-cand.Score)*(1-score)
	cand.Sources = append(cand.Sources, source)
	cand.Reasons = append(cand.Reasons, explanation.String())
}

// addScoped adds a candidate proposed by place, point or code, at half the
// score when no rule for the item's tag sends items to the unit.
func (c *candidateSet) addScoped(unit string, score float64, source string, explanation reason) {
	if c.scope != nil && !c.scope(unit) {
		score *= outOfScope
		if c.tag != "" {
			explanation.zh += fmt.Sprintf("，但没有“%s”的派单规则派往本单位", c.tag)
			explanation.en += fmt.Sprintf(", but no rule for tag %q sends items to it", c.tag)
		}
	}
	c.add(unit, score, source, explanation)
}

func (c *candidateSet) ranked() []Candidate {
	out := make([]Candidate, 0, len(c.order))
	for _, id := range c.order {
		cand := *c.byID[id]
		cand.Score = math.Round(cand.Score*1000) / 1000
		out = append(out, cand)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out
}
