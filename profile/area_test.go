package profile

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateAreas(t *testing.T) {
	square := func() *Area {
		return &Area{Type: "Polygon", Coordinates: [][][]float64{
			{{112.97, 28.19}, {112.98, 28.19}, {112.98, 28.20}, {112.97, 28.20}, {112.97, 28.19}}}}
	}
	tests := []struct {
		name    string
		area    func() *Area
		margin  float64
		problem string // "" means valid
	}{
		{"valid square", square, 0, ""},
		{"wrong type", func() *Area { a := square(); a.Type = "MultiPolygon"; return a }, 0, `type "MultiPolygon"`},
		{"open ring", func() *Area { a := square(); a.Coordinates[0][4] = []float64{112.971, 28.19}; return a }, 0,
			"not closed"},
		{"latitude out of range", func() *Area { a := square(); a.Coordinates[0][1] = []float64{112.98, 95}; return a },
			0, "out of range"},
		{"too few positions", func() *Area { a := square(); a.Coordinates[0] = a.Coordinates[0][:3]; return a }, 0,
			"at least 4"},
		{"negative margin", square, -1, "boundary_margin_m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProfile()
			p.Units[4].Area = tc.area()
			p.Triage.BoundaryMargin = tc.margin
			err := p.Validate()
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("Validate = %v, want a problem containing %q", err, tc.problem)
			}
		})
	}
}

func TestBuiltinAreas(t *testing.T) {
	p, err := Load("police")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range p.Units {
		if u.Area != nil {
			n++
		}
	}
	if n < 4 {
		t.Errorf("police profile has %d units with an area, want at least 4", n)
	}
}
