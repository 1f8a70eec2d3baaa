package profile

import "time"

// Profile is a deployment's data: its units, officers, tag tree, routing rules,
// SLA policies, time zone and working calendar.
type Profile struct {
	Name     string   `yaml:"name" json:"name"`
	Title    string   `yaml:"title" json:"title"`         // shown on pages, e.g. 某市公安局民意智感中心
	TimeZone string   `yaml:"time_zone" json:"time_zone"` // IANA name, default Asia/Shanghai
	Calendar Calendar `yaml:"calendar" json:"calendar"`

	// CentreUnit handles triage, review and call-back; DisciplineUnit receives
	// complaints about officers' conduct (督察). Both are unit ids.
	CentreUnit     string `yaml:"centre_unit" json:"centre_unit"`
	DisciplineUnit string `yaml:"discipline_unit" json:"discipline_unit"`

	Units    []Unit    `yaml:"units" json:"units"`
	Officers []Officer `yaml:"officers" json:"officers"`
	Kinds    []string  `yaml:"kinds" json:"kinds"` // 投诉, 建议, 求助, 咨询, 表扬
	Tags     []Tag     `yaml:"tags" json:"tags"`
	Rules    []Rule    `yaml:"rules" json:"rules"`
	SLA      []SLA     `yaml:"sla" json:"sla"`
	Triage   Triage    `yaml:"triage" json:"triage"`
	Callback Callback  `yaml:"callback" json:"callback"`
	// Retention limits how long personal data outlives a ticket's end.
	Retention Retention `yaml:"retention" json:"retention"`
	Accounts  []Account `yaml:"accounts" json:"accounts"` // demo and first-run accounts

	Location *time.Location `yaml:"-" json:"-"` // resolved from TimeZone by Load
}

// Unit is one node of the unit tree.
type Unit struct {
	ID     string   `yaml:"id" json:"id"`
	Parent string   `yaml:"parent,omitempty" json:"parent,omitempty"`
	Name   string   `yaml:"name" json:"name"`
	Kind   string   `yaml:"kind" json:"kind"` // one of UnitKinds: bureau, branch, station, brigade, window, …
	Places []string `yaml:"places,omitempty" json:"places,omitempty"`
	Area   *Area    `yaml:"area,omitempty" json:"area,omitempty"` // the precinct or district, for routing by point
	// Phone is the unit's public service number (值班电话). Staff may give it
	// to citizens in replies, where minyi masks every other phone number.
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// Officer is a police officer who can carry a personal QR code.
type Officer struct {
	ID    string `yaml:"id" json:"id"`
	Unit  string `yaml:"unit" json:"unit"`
	Name  string `yaml:"name" json:"name"`
	Badge string `yaml:"badge" json:"badge"`
}

// Tag is a node of the business tag tree.
type Tag struct {
	Name   string `yaml:"name" json:"name"`
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	// Conduct marks complaints about an officer's conduct, which go to the
	// discipline unit whatever else the rules say.
	Conduct bool `yaml:"conduct,omitempty" json:"conduct,omitempty"`
	// TransferTo names the outside body (e.g. 12345) for items outside the
	// bureau's remit; such items are proposed for transfer, not dispatched.
	TransferTo string `yaml:"transfer_to,omitempty" json:"transfer_to,omitempty"`
}

// Rule maps a tag (and optionally keywords or the scanned code's unit) to the
// responsible unit. Higher Priority wins.
type Rule struct {
	Name     string   `yaml:"name" json:"name"`
	Tag      string   `yaml:"tag,omitempty" json:"tag,omitempty"`
	Keywords []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	Unit     string   `yaml:"unit,omitempty" json:"unit,omitempty"`
	// UseCodeUnit sends the item to the unit of the QR code it came through,
	// when it came through one.
	UseCodeUnit bool `yaml:"use_code_unit,omitempty" json:"use_code_unit,omitempty"`
	// CodeWithin limits UseCodeUnit to codes whose unit is one of these units
	// or lies below one of them; empty means a code of any unit.
	CodeWithin []string `yaml:"code_within,omitempty" json:"code_within,omitempty"`
	// SetTag overrides the model's tag when Keywords match.
	SetTag   string `yaml:"set_tag,omitempty" json:"set_tag,omitempty"`
	Priority int    `yaml:"priority,omitempty" json:"priority,omitempty"`
}

// SLA is a deadline policy for a tag and priority; an empty Tag is the default.
type SLA struct {
	Tag          string  `yaml:"tag,omitempty" json:"tag,omitempty"`
	Priority     string  `yaml:"priority,omitempty" json:"priority,omitempty"` // normal or urgent
	AcceptHours  float64 `yaml:"accept_hours" json:"accept_hours"`
	ReplyDays    float64 `yaml:"reply_days" json:"reply_days"` // working days
	CallbackDays float64 `yaml:"callback_days" json:"callback_days"`
}

// Calendar lists the working week and its exceptions, as dates in the
// profile's zone ("2026-10-01").
type Calendar struct {
	Holidays []string `yaml:"holidays,omitempty" json:"holidays,omitempty"`
	Workdays []string `yaml:"workdays,omitempty" json:"workdays,omitempty"` // weekend days worked in lieu
}

// Triage holds the automatic tagging thresholds.
type Triage struct {
	MinConfidence float64 `yaml:"min_confidence" json:"min_confidence"`
	// BoundaryMargin sends an item to triage when its point lies within this
	// many metres of another unit's area; 0 means the default of 50 m.
	BoundaryMargin float64 `yaml:"boundary_margin_m,omitempty" json:"boundary_margin_m,omitempty"`
}

// Callback holds the call-back settings.
type Callback struct {
	MaxAttempts      int     `yaml:"max_attempts" json:"max_attempts"`
	ReopenWindowDays float64 `yaml:"reopen_window_days" json:"reopen_window_days"`
}

// Retention holds how long a citizen's personal data is kept.
type Retention struct {
	// PersonalDataDays is the number of days after a ticket ends (closed,
	// invalid, withdrawn, transferred out) after which its phone, name, ID
	// number, relay messages and voice recording are crypto-shredded. The
	// masked ticket stays for statistics. It must cover the reopen window.
	PersonalDataDays int `yaml:"personal_data_days" json:"personal_data_days"`
}

// Account is an account created with the profile, used by the demo city.
type Account struct {
	Name        string `yaml:"name" json:"name"`
	DisplayName string `yaml:"display_name" json:"display_name"`
	Role        string `yaml:"role" json:"role"`
	Unit        string `yaml:"unit" json:"unit"`
}
