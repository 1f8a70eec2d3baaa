package demo

import (
	"math/rand/v2"
	"strings"

	"minyi/profile"
)

// genericPlaces stand in when a profile has no unit with places.
var genericPlaces = []string{"小区门口", "学校附近", "菜市场旁边", "公交站台", "商业街", "老街口"}

// city is the part of a profile the generators draw places and people from.
type city struct {
	stations  []profile.Unit // police stations
	brigades  []profile.Unit // traffic brigades with roads
	huzheng   []profile.Unit // household-registration windows
	churujing []profile.Unit // exit-entry windows
	officers  []profile.Officer
	units     map[string]profile.Unit
}

// newCity sorts a profile's units by what they do. Officers of the centre and
// of the discipline unit are left out: citizens meet the others.
func newCity(p *profile.Profile) *city {
	c := &city{units: map[string]profile.Unit{}}
	for _, u := range p.Units {
		c.units[u.ID] = u
		switch u.Kind {
		case "station":
			c.stations = append(c.stations, u)
		case "brigade":
			if len(u.Places) > 0 {
				c.brigades = append(c.brigades, u)
			}
		case "window":
			if strings.Contains(u.Name, "出入境") {
				c.churujing = append(c.churujing, u)
			} else {
				c.huzheng = append(c.huzheng, u)
			}
		}
	}
	for _, o := range p.Officers {
		if o.Unit != p.CentreUnit && o.Unit != p.DisciplineUnit {
			c.officers = append(c.officers, o)
		}
	}
	return c
}

// scene returns a scene for a topic's place source, with its place, unit and,
// for placeOfficer, an officer.
func (c *city) scene(rng *rand.Rand, src placeSource) *scene {
	s := &scene{rng: rng}
	switch src {
	case placeTraffic:
		if len(c.brigades) > 0 {
			s.setUnit(pick(rng, c.brigades))
			return s
		}
	case placeHuzheng:
		if len(c.huzheng) > 0 {
			s.unit = pick(rng, c.huzheng)
			s.place = s.unit.Name
			return s
		}
		s.place = "户政窗口"
		return s
	case placeChurujing:
		if len(c.churujing) > 0 {
			s.unit = pick(rng, c.churujing)
			s.place = s.unit.Name
			return s
		}
		s.place = "出入境窗口"
		return s
	case placeOfficer:
		if len(c.officers) > 0 {
			o := pick(rng, c.officers)
			s.officer = &o
			s.setUnit(c.units[o.Unit])
			return s
		}
	}
	if len(c.stations) > 0 {
		s.setUnit(pick(rng, c.stations))
		return s
	}
	s.place = pick(rng, genericPlaces)
	return s
}

// setUnit makes u the scene's unit and one of its places, or its name when it
// has none, the scene's place.
func (s *scene) setUnit(u profile.Unit) {
	s.unit = u
	s.place = u.Name
	if len(u.Places) > 0 {
		s.place = pick(s.rng, u.Places)
	}
}
