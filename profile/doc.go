// Package profile loads and checks a deployment's profile: its unit tree,
// officers, tag tree, routing rules, SLA policies, time zone and working
// calendar. A profile is a YAML or JSON file that a deployment edits. The
// built-in profiles are embedded from builtin/: police, the demo city, and
// hotline, a 12345 city hotline.
//
// The package also computes what depends only on the profile: the path of a
// unit in the tree, the SLA policy for a tag and priority, the deadlines that
// policy sets in working days, and the calendar day of an instant in the
// profile's zone. It performs no I/O other than reading the profile file.
package profile
