// Package place finds where an item happened. It extracts place mentions
// from Chinese text: roads, intersections such as 某某路与某某路交叉口, estates,
// shops, stations and bus stops. It matches them against the place names of
// a deployment's units and tests points against unit areas (GeoJSON polygons
// in WGS-84). It converts the GCJ-02 and BD-09 coordinates of Chinese web
// maps to WGS-84; dispatch.Decision records the system a point came in.
package place
