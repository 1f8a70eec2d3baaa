package place

import (
	"fmt"
	"math"
)

// Polygon is an area with an outer ring and optional holes, each ring a closed
// list of points (the last point equals the first), as in a GeoJSON Polygon.
type Polygon struct {
	Rings [][]Point
}

// NewPolygon builds a polygon from GeoJSON Polygon coordinates: rings of
// [longitude, latitude] positions in WGS-84, the first ring the outer
// boundary. It returns an error naming the first ring or position that is
// invalid: fewer than four positions, not closed, not two numbers, or out of
// range.
func NewPolygon(coordinates [][][]float64) (Polygon, error) {
	if len(coordinates) == 0 {
		return Polygon{}, fmt.Errorf("polygon: no rings: want an outer ring of [lon, lat] positions")
	}
	pg := Polygon{Rings: make([][]Point, len(coordinates))}
	for i, ring := range coordinates {
		if len(ring) < 4 {
			return Polygon{}, fmt.Errorf("polygon: ring %d has %d positions, a closed ring needs at least 4", i, len(ring))
		}
		pts := make([]Point, len(ring))
		for j, pos := range ring {
			if len(pos) != 2 {
				return Polygon{}, fmt.Errorf("polygon: ring %d position %d has %d numbers, want [lon, lat]", i, j, len(pos))
			}
			lon, lat := pos[0], pos[1]
			if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
				return Polygon{}, fmt.Errorf("polygon: ring %d position %d [%v, %v] is out of range", i, j, lon, lat)
			}
			pts[j] = Point{Lat: lat, Lon: lon}
		}
		if pts[0] != pts[len(pts)-1] {
			return Polygon{}, fmt.Errorf("polygon: ring %d is not closed: the last position must equal the first", i)
		}
		pg.Rings[i] = pts
	}
	return pg, nil
}

// Contains reports whether p lies inside the outer ring and outside every
// hole, by the even-odd rule. A point exactly on an edge may fall either way.
func (pg Polygon) Contains(p Point) bool {
	if len(pg.Rings) == 0 || !ringContains(pg.Rings[0], p) {
		return false
	}
	for _, hole := range pg.Rings[1:] {
		if ringContains(hole, p) {
			return false
		}
	}
	return true
}

func ringContains(ring []Point, p Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// DistanceToBoundary returns the distance in metres from p to the nearest
// edge of any ring of pg, whether p lies inside or outside.
func (pg Polygon) DistanceToBoundary(p Point) float64 {
	best := math.Inf(1)
	for _, ring := range pg.Rings {
		for i := 1; i < len(ring); i++ {
			best = math.Min(best, segmentDistance(p, ring[i-1], ring[i]))
		}
	}
	return best
}

// earthRadius is the mean Earth radius in metres (IUGG).
const earthRadius = 6371008.8

// segmentDistance projects the three points onto a plane tangent at p
// (equirectangular), which is accurate to well under a metre over the few
// kilometres of a precinct.
func segmentDistance(p, a, b Point) float64 {
	k := math.Cos(p.Lat * math.Pi / 180)
	toXY := func(q Point) (float64, float64) {
		return (q.Lon - p.Lon) * math.Pi / 180 * earthRadius * k, (q.Lat - p.Lat) * math.Pi / 180 * earthRadius
	}
	ax, ay := toXY(a)
	bx, by := toXY(b)
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// Distance returns the great-circle distance between a and b in metres.
func Distance(a, b Point) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Offset returns the point north and east metres from p, for tests and for
// building areas around a point.
func Offset(p Point, north, east float64) Point {
	rad := math.Pi / 180
	return Point{
		Lat: p.Lat + north/earthRadius/rad,
		Lon: p.Lon + east/(earthRadius*math.Cos(p.Lat*rad))/rad,
	}
}
