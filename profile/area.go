package profile

import (
	"fmt"

	"minyi/place"
)

// Area is a unit's area as a GeoJSON Polygon geometry in WGS-84: rings of
// [longitude, latitude] positions, the first the outer boundary and any
// further rings holes.
type Area struct {
	Type        string        `yaml:"type" json:"type"` // always "Polygon"
	Coordinates [][][]float64 `yaml:"coordinates" json:"coordinates"`
}

// Polygon returns the area as a polygon, or an error when it is not a valid
// GeoJSON Polygon.
func (a *Area) Polygon() (place.Polygon, error) {
	if a.Type != "Polygon" {
		return place.Polygon{}, fmt.Errorf("type %q is not supported: want Polygon", a.Type)
	}
	return place.NewPolygon(a.Coordinates)
}

// checkAreas checks that every unit's area is a closed GeoJSON Polygon in
// range and that the boundary margin is not negative.
// NOTE: self-intersecting rings are not detected, and Polygon.Contains then
// decides by the even-odd rule.
func (p *Profile) checkAreas(c *checker) {
	for i, u := range p.Units {
		if u.Area == nil {
			continue
		}
		if _, err := u.Area.Polygon(); err != nil {
			c.addf("units[%d]: area of unit %q: %v", i, u.ID, err)
		}
	}
	if p.Triage.BoundaryMargin < 0 {
		c.addf("triage: boundary_margin_m %v is negative", p.Triage.BoundaryMargin)
	}
}
