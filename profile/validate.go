package profile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrInvalid is matched by errors.Is for every *ValidationError.
var ErrInvalid = errors.New("invalid profile")

// UnitKinds lists the values accepted in Unit.Kind.
var UnitKinds = []string{
	"government", "bureau", "branch", "station", "detachment", "brigade",
	"window", "discipline", "centre", "department",
}

// Roles lists the values accepted in Account.Role.
var Roles = []string{"centre", "handler", "leader", "auditor", "admin"}

// Priorities lists the values accepted in SLA.Priority; empty means any.
var Priorities = []string{"normal", "urgent"}

// ValidationError lists every problem Validate found in a profile. Each
// problem names the field and the value, e.g. `rules[3]: unit "s99" not found`.
type ValidationError struct {
	Profile  string
	Problems []string
}

// Error returns one line per problem, each prefixed with "profile NAME: ".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "profile " + e.Profile + ": " + p
	}
	return strings.Join(lines, "\n")
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

type checker struct{ problems []string }

func (c *checker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// Validate checks the profile's references and invariants. The unit tree must
// have unique ids, one root and no cycles. Every unit, tag and role that a
// field names must exist, badges and tag names must be unique, the SLA list
// needs a default entry, and dates and the time zone must parse. It returns a
// *ValidationError or nil. Validate applies no defaults, so call it on a
// profile that Load returned or that sets every field.
func (p *Profile) Validate() error {
	c := &checker{}
	if p.Name == "" {
		c.addf("name: missing")
	}
	// "" and "Local" would make time.LoadLocation return UTC or the host's zone.
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "" || p.TimeZone == "Local" {
		c.addf("time_zone: %q is not an IANA time zone name such as Asia/Shanghai", p.TimeZone)
	}
	units := p.checkUnits(c)
	p.checkAreas(c)
	p.checkOfficers(c, units)
	p.checkKinds(c)
	tags := p.checkTags(c)
	p.checkRules(c, units, tags)
	p.checkSLA(c, tags)
	p.checkCalendar(c)
	p.checkSettings(c)
	p.checkAccounts(c, units)
	if len(c.problems) > 0 {
		name := p.Name
		if name == "" {
			name = "(unnamed)"
		}
		return &ValidationError{Profile: name, Problems: c.problems}
	}
	return nil
}

// checkUnits checks the unit tree and returns the set of unit ids.
func (p *Profile) checkUnits(c *checker) map[string]bool {
	units := make(map[string]bool, len(p.Units))
	parents := make(map[string]string, len(p.Units))
	if len(p.Units) == 0 {
		c.addf("units: missing: a profile needs at least one unit")
	}
	for i, u := range p.Units {
		switch {
		case u.ID == "":
			c.addf("units[%d]: id: missing", i)
		case units[u.ID]:
			c.addf("units[%d]: id %q is used twice", i, u.ID)
		default:
			units[u.ID] = true
			parents[u.ID] = u.Parent
		}
		if u.Name == "" {
			c.addf("units[%d]: name: missing for unit %q", i, u.ID)
		}
		if !slices.Contains(UnitKinds, u.Kind) {
			c.addf("units[%d]: kind %q is invalid: want one of %s", i, u.Kind, strings.Join(UnitKinds, ", "))
		}
	}
	var roots []string
	for i, u := range p.Units {
		if u.Parent == "" {
			roots = append(roots, u.ID)
		} else if !units[u.Parent] {
			c.addf("units[%d]: parent %q not found", i, u.Parent)
		}
	}
	if len(p.Units) > 0 && len(roots) != 1 {
		c.addf("units: want exactly one root unit (a unit without parent), found %d: %q", len(roots), roots)
	}
	for i, u := range p.Units {
		// A walk up from u that takes more steps than there are units is a cycle.
		id := u.ID
		for steps := 0; id != "" && units[id]; steps++ {
			if steps > len(units) {
				c.addf("units[%d]: unit %q is part of a parent cycle", i, u.ID)
				break
			}
			id = parents[id]
		}
	}
	checkUnitRef(c, units, "centre_unit", p.CentreUnit)
	checkUnitRef(c, units, "discipline_unit", p.DisciplineUnit)
	return units
}

func checkUnitRef(c *checker, units map[string]bool, field, id string) {
	switch {
	case id == "":
		c.addf("%s: missing", field)
	case !units[id]:
		c.addf("%s: unit %q not found", field, id)
	}
}

func (p *Profile) checkOfficers(c *checker, units map[string]bool) {
	ids := make(map[string]bool, len(p.Officers))
	badges := make(map[string]bool, len(p.Officers))
	for i, o := range p.Officers {
		field := fmt.Sprintf("officers[%d]", i)
		switch {
		case o.ID == "":
			c.addf("%s: id: missing", field)
		case ids[o.ID]:
			c.addf("%s: id %q is used twice", field, o.ID)
		}
		ids[o.ID] = true
		if o.Name == "" {
			c.addf("%s: name: missing for officer %q", field, o.ID)
		}
		switch {
		case o.Badge == "":
			c.addf("%s: badge: missing for officer %q", field, o.ID)
		case badges[o.Badge]:
			c.addf("%s: badge %q is used twice", field, o.Badge)
		}
		badges[o.Badge] = true
		if !units[o.Unit] {
			c.addf("%s: unit %q not found", field, o.Unit)
		}
	}
}

func (p *Profile) checkKinds(c *checker) {
	if len(p.Kinds) == 0 {
		c.addf("kinds: missing: list the item kinds, e.g. 投诉, 建议, 求助, 咨询, 表扬")
	}
	seen := make(map[string]bool, len(p.Kinds))
	for i, k := range p.Kinds {
		switch {
		case k == "":
			c.addf("kinds[%d]: empty", i)
		case seen[k]:
			c.addf("kinds[%d]: %q is listed twice", i, k)
		}
		seen[k] = true
	}
}

// checkTags checks the tag tree and returns the set of tag names.
func (p *Profile) checkTags(c *checker) map[string]bool {
	tags := make(map[string]bool, len(p.Tags))
	for i, t := range p.Tags {
		switch {
		case t.Name == "":
			c.addf("tags[%d]: name: missing", i)
		case tags[t.Name]:
			c.addf("tags[%d]: name %q is used twice", i, t.Name)
		}
		tags[t.Name] = true
	}
	parents := make(map[string]string, len(p.Tags))
	for i, t := range p.Tags {
		if t.Parent == "" {
			continue
		}
		if !tags[t.Parent] {
			c.addf("tags[%d]: parent %q not found", i, t.Parent)
		}
		parents[t.Name] = t.Parent
	}
	for i, t := range p.Tags {
		name := t.Name
		for steps := 0; name != ""; steps++ {
			if steps > len(p.Tags) {
				c.addf("tags[%d]: tag %q is part of a parent cycle", i, t.Name)
				break
			}
			name = parents[name]
		}
	}
	return tags
}

func (p *Profile) checkRules(c *checker, units, tags map[string]bool) {
	for i, r := range p.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if r.Tag == "" && len(r.Keywords) == 0 {
			c.addf("%s: rule %q matches nothing: set tag or keywords", field, r.Name)
		}
		if r.Unit == "" && !r.UseCodeUnit && r.SetTag == "" {
			c.addf("%s: rule %q does nothing: set unit, use_code_unit or set_tag", field, r.Name)
		}
		if r.Tag != "" && !tags[r.Tag] {
			c.addf("%s: tag %q not found", field, r.Tag)
		}
		if r.SetTag != "" && !tags[r.SetTag] {
			c.addf("%s: set_tag %q not found", field, r.SetTag)
		}
		if r.Unit != "" && !units[r.Unit] {
			c.addf("%s: unit %q not found", field, r.Unit)
		}
		if len(r.CodeWithin) > 0 && !r.UseCodeUnit {
			c.addf("%s: code_within is set but use_code_unit is false", field)
		}
		for j, id := range r.CodeWithin {
			if !units[id] {
				c.addf("%s: code_within[%d]: unit %q not found", field, j, id)
			}
		}
		for j, k := range r.Keywords {
			if strings.TrimSpace(k) == "" {
				c.addf("%s: keywords[%d]: empty", field, j)
			}
		}
	}
}

func (p *Profile) checkSLA(c *checker, tags map[string]bool) {
	type key struct{ tag, priority string }
	seen := make(map[key]bool, len(p.SLA))
	for i, s := range p.SLA {
		field := fmt.Sprintf("sla[%d]", i)
		if s.Tag != "" && !tags[s.Tag] {
			c.addf("%s: tag %q not found", field, s.Tag)
		}
		if s.Priority != "" && !slices.Contains(Priorities, s.Priority) {
			c.addf("%s: priority %q is invalid: want normal, urgent or empty for any", field, s.Priority)
		}
		k := key{s.Tag, s.Priority}
		if seen[k] {
			c.addf("%s: a second policy for tag %q and priority %q", field, s.Tag, s.Priority)
		}
		seen[k] = true
		checkSpan(c, field+".accept_hours", s.AcceptHours, 24*366)
		checkSpan(c, field+".reply_days", s.ReplyDays, 366)
		checkSpan(c, field+".callback_days", s.CallbackDays, 366)
	}
	if !seen[key{}] {
		c.addf("sla: no default policy: add an entry with neither tag nor priority")
	}
}

func checkSpan(c *checker, field string, v, limit float64) {
	if v < 0 || v > limit || v != v { // v != v is NaN
		c.addf("%s: %v is out of range: want 0 to %v", field, v, limit)
	}
}

func (p *Profile) checkCalendar(c *checker) {
	holidays := make(map[string]bool, len(p.Calendar.Holidays))
	for i, d := range p.Calendar.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			c.addf("calendar.holidays[%d]: %q is not a date like 2026-10-01", i, d)
		}
		holidays[d] = true
	}
	for i, d := range p.Calendar.Workdays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			c.addf("calendar.workdays[%d]: %q is not a date like 2026-10-10", i, d)
		}
		if holidays[d] {
			c.addf("calendar.workdays[%d]: %q is also listed as a holiday", i, d)
		}
	}
}

func (p *Profile) checkSettings(c *checker) {
	if m := p.Triage.MinConfidence; m < 0 || m > 1 || m != m {
		c.addf("triage.min_confidence: %v is out of range: want 0 to 1", m)
	}
	if p.Callback.MaxAttempts < 0 {
		c.addf("callback.max_attempts: %d is negative", p.Callback.MaxAttempts)
	}
	checkSpan(c, "callback.reopen_window_days", p.Callback.ReopenWindowDays, 366)
	switch d := p.Retention.PersonalDataDays; {
	case d < 0 || d > 3650:
		c.addf("retention.personal_data_days: %d is out of range: want 1 to 3650", d)
	case d > 0 && float64(d) < p.Callback.ReopenWindowDays:
		c.addf("retention.personal_data_days: %d is shorter than callback.reopen_window_days (%v); "+
			"a reopened ticket needs the citizen's number", d, p.Callback.ReopenWindowDays)
	}
}

func (p *Profile) checkAccounts(c *checker, units map[string]bool) {
	names := make(map[string]bool, len(p.Accounts))
	for i, a := range p.Accounts {
		field := fmt.Sprintf("accounts[%d]", i)
		switch {
		case a.Name == "":
			c.addf("%s: name: missing", field)
		case names[a.Name]:
			c.addf("%s: name %q is used twice", field, a.Name)
		}
		names[a.Name] = true
		if !slices.Contains(Roles, a.Role) {
			c.addf("%s: role %q is invalid: want one of %s", field, a.Role, strings.Join(Roles, ", "))
		}
		if !units[a.Unit] {
			c.addf("%s: unit %q not found", field, a.Unit)
		}
	}
}
