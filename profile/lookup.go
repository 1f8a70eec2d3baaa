package profile

import "strings"

// Unit returns the unit with the given id.
func (p *Profile) Unit(id string) (Unit, bool) {
	for _, u := range p.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// Root returns the root unit, the one without a parent.
func (p *Profile) Root() (Unit, bool) {
	for _, u := range p.Units {
		if u.Parent == "" {
			return u, true
		}
	}
	return Unit{}, false
}

// UnitPath returns the ids from the root down to the unit, joined by slashes
// with a leading and a trailing slash, e.g. "/bureau/br-qinghe/ps-dongguan/".
// One unit lies within another when its path starts with the other's path. It
// returns "" for an unknown id.
func (p *Profile) UnitPath(id string) string {
	var ids []string
	// The step limit stops a parent cycle in a profile that skipped Validate.
	for steps := 0; id != "" && steps <= len(p.Units); steps++ {
		u, ok := p.Unit(id)
		if !ok {
			return ""
		}
		ids = append(ids, u.ID)
		id = u.Parent
	}
	if len(ids) == 0 || id != "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('/')
	for i := len(ids) - 1; i >= 0; i-- {
		b.WriteString(ids[i])
		b.WriteByte('/')
	}
	return b.String()
}

// Within reports whether unit id is ancestor or lies below it. Unknown ids
// are within nothing.
func (p *Profile) Within(id, ancestor string) bool {
	path, top := p.UnitPath(id), p.UnitPath(ancestor)
	return path != "" && top != "" && strings.HasPrefix(path, top)
}

// Tag returns the tag with the given name.
func (p *Profile) Tag(name string) (Tag, bool) {
	for _, t := range p.Tags {
		if t.Name == name {
			return t, true
		}
	}
	return Tag{}, false
}

// SLAFor returns the SLA policy for a tag and priority. It tries the entry for
// the tag and the priority, then the tag's entry without a priority, then the
// same two for each ancestor tag. After that it tries the entry without a tag
// for the priority, and last the default entry, which has neither. Validate
// requires the default entry, and without it SLAFor returns a zero SLA.
func (p *Profile) SLAFor(tag, priority string) SLA {
	for steps := 0; tag != "" && steps <= len(p.Tags); steps++ {
		if s, ok := p.findSLA(tag, priority); ok {
			return s
		}
		t, ok := p.Tag(tag)
		if !ok {
			break
		}
		tag = t.Parent
	}
	s, _ := p.findSLA("", priority)
	return s
}

// findSLA returns the entry for (tag, priority), else the entry for (tag, "").
func (p *Profile) findSLA(tag, priority string) (SLA, bool) {
	var anyPriority *SLA
	for i := range p.SLA {
		s := &p.SLA[i]
		if s.Tag != tag {
			continue
		}
		if s.Priority == priority && priority != "" {
			return *s, true
		}
		if s.Priority == "" {
			anyPriority = s
		}
	}
	if anyPriority != nil {
		return *anyPriority, true
	}
	return SLA{}, false
}
