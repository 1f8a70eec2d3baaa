package place

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// System is a geodetic coordinate system a point can arrive in.
type System string

// The coordinate systems minyi accepts. Browsers and GPS report WGS-84; Amap
// and Tencent maps use GCJ-02; Baidu maps use BD-09.
const (
	WGS84 System = "wgs84"
	GCJ02 System = "gcj02"
	BD09  System = "bd09"
)

// ErrInvalidPoint is returned for a point outside the valid range or in an
// unknown coordinate system.
var ErrInvalidPoint = errors.New("invalid point")

// Point is a position in decimal degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// ParseSystem returns the system a name stands for. It accepts the names in
// common use ("WGS-84", "gcj-02", "amap", "baidu", …); "" means WGS-84.
func ParseSystem(name string) (System, error) {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(name))
	switch n {
	case "", "wgs84", "gps", "epsg4326":
		return WGS84, nil
	case "gcj02", "amap", "gaode", "tencent", "qq", "mars":
		return GCJ02, nil
	case "bd09", "bd09ll", "baidu":
		return BD09, nil
	}
	return "", fmt.Errorf("%w: unknown coordinate system %q: use wgs84, gcj02 or bd09", ErrInvalidPoint, name)
}

// ToWGS84 converts p from sys to WGS-84. Points outside mainland China are
// not offset by GCJ-02, so they come back unchanged from a GCJ-02 source.
func ToWGS84(p Point, sys System) (Point, error) {
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
		return Point{}, fmt.Errorf("%w: latitude %v, longitude %v", ErrInvalidPoint, p.Lat, p.Lon)
	}
	switch sys {
	case WGS84, "":
		return p, nil
	case GCJ02:
		return gcjToWGS(p), nil
	case BD09:
		return gcjToWGS(bdToGCJ(p)), nil
	}
	return Point{}, fmt.Errorf("%w: unknown coordinate system %q", ErrInvalidPoint, sys)
}

// WGS84ToGCJ02 applies the GCJ-02 offset to a WGS-84 point. Tests and the demo
// use it to produce the points an Amap page would report.
func WGS84ToGCJ02(p Point) Point {
	if outOfChina(p) {
		return p
	}
	dLat, dLon := gcjOffset(p)
	return Point{Lat: p.Lat + dLat, Lon: p.Lon + dLon}
}

// GCJ02ToBD09 applies Baidu's further offset to a GCJ-02 point.
func GCJ02ToBD09(p Point) Point {
	x, y := p.Lon, p.Lat
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*xPi)
	return Point{Lat: z*math.Sin(theta) + 0.006, Lon: z*math.Cos(theta) + 0.0065}
}

// The GCJ-02 constants: the Krasovsky 1940 ellipsoid's semi-major axis and
// eccentricity squared, as used by the published reimplementations of the
// (unpublished) GCJ-02 algorithm such as eviltransform and coordtransform.
const (
	earthA = 6378245.0
	earthE = 0.00669342162296594323
	xPi    = math.Pi * 3000.0 / 180.0
)

// gcjToWGS inverts the GCJ-02 offset by fixed-point iteration: the offset
// varies slowly, so a few rounds bring the error well under a millimetre.
func gcjToWGS(g Point) Point {
	if outOfChina(g) {
		return g
	}
	w := g
	for range 8 {
		f := WGS84ToGCJ02(w)
		dLat, dLon := g.Lat-f.Lat, g.Lon-f.Lon
		w.Lat += dLat
		w.Lon += dLon
		if math.Abs(dLat) < 1e-10 && math.Abs(dLon) < 1e-10 {
			break
		}
	}
	return w
}

func bdToGCJ(b Point) Point {
	x, y := b.Lon-0.0065, b.Lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return Point{Lat: z * math.Sin(theta), Lon: z * math.Cos(theta)}
}

// outOfChina is the rough bounding box inside which GCJ-02 applies an offset.
func outOfChina(p Point) bool {
	return p.Lon < 72.004 || p.Lon > 137.8347 || p.Lat < 0.8293 || p.Lat > 55.8271
}

func gcjOffset(p Point) (dLat, dLon float64) {
	x, y := p.Lon-105.0, p.Lat-35.0
	dLat = transformLat(x, y)
	dLon = transformLon(x, y)
	radLat := p.Lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - earthE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((earthA * (1 - earthE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (earthA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLat, dLon
}

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}
