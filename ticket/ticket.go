package ticket

import (
	"strings"
	"time"
)

// Ticket is one citizen item in the closed loop. Text fields hold the masked
// text staff may see; personal data lives in the privacy vault.
type Ticket struct {
	ID           int64
	TrackingCode string
	Channel      string
	ExternalID   string // the channel's own id, unique per channel when set
	Kind         string // 投诉, 建议, 求助, 咨询, 表扬
	Title        string
	Body         string
	Place        string
	CodeID       string // the QR code the item came through, if any
	OfficerID    string // the officer the item is about, if any
	CitizenKey   string // blind index of the citizen's phone number

	State         State
	UnitID        string
	UnitPath      string // path of UnitID in the unit tree, "/a/b/"; empty before dispatch
	Tag           string
	TagConfidence float64
	TagSource     string // "model:tag:v3" or "rule:NAME"
	RouteSource   string // the rule or step that chose UnitID
	TriageReason  string
	Priority      string

	Urgent       bool
	Supervised   bool
	SuperviseDue time.Time
	Extension    string // "", "requested", "granted" or "denied"
	Overdue      bool

	ReceivedAt   time.Time
	DispatchedAt time.Time
	AcceptDue    time.Time
	AcceptedAt   time.Time
	ReplyDue     time.Time
	RepliedAt    time.Time
	ReviewedAt   time.Time
	CallbackDue  time.Time
	CalledBackAt time.Time
	ClosedAt     time.Time
	EndedAt      time.Time // when the ticket reached any ended state

	Reply              string
	Rectified          bool
	NeedsRectification bool
	CallbackResult     Outcome
	CallbackAttempts   int
	MergedInto         int64
	ReopenCount        int
	Version            int // optimistic lock, incremented by every Apply
}

// Actor is the performer of a transition: a staff account, the citizen, or the
// system itself.
type Actor struct {
	ID       int64
	Login    string // the account's sign-in name; empty for the citizen and the system
	Name     string // the name shown in timelines
	Role     Role
	UnitID   string
	UnitPath string // path of UnitID, "/a/b/"
	// CoHandler marks a handler or leader whose subtree contains a unit that
	// the lead unit invited to co-handle the one ticket at hand (协办). The
	// workflow sets it per ticket from its own records, never from a request.
	// It admits reading the ticket and the actions whose rule allows
	// co-handlers (a note), and nothing else.
	CoHandler bool
}

// System is the actor for automatic steps (tagging, dispatch, sweeps).
var System = Actor{Name: "system", Role: RoleSystem}

// Citizen is the actor for steps the citizen takes on the progress page.
var Citizen = Actor{Name: "citizen", Role: RoleCitizen}

// InScope reports whether the actor's unit subtree contains unitPath. Centre
// staff, auditors and administrators work bureau-wide.
func (a Actor) InScope(unitPath string) bool {
	switch a.Role {
	case RoleCentre, RoleAuditor, RoleAdmin, RoleSystem:
		return true
	case RoleHandler, RoleLeader:
		return a.UnitPath != "" && unitPath != "" && strings.HasPrefix(unitPath, a.UnitPath)
	}
	return false
}

// CanRead reports whether the actor may see the ticket at all. A ticket outside
// the actor's scope must look like one that does not exist.
func (a Actor) CanRead(t *Ticket) bool {
	if a.Role == RoleCitizen {
		return false // citizens read through the tracking code, not as an actor
	}
	if a.CoHandler && (a.Role == RoleHandler || a.Role == RoleLeader) {
		return true
	}
	return a.InScope(t.UnitPath)
}

// Event is one step in a ticket's timeline.
type Event struct {
	TicketID  int64
	At        time.Time
	ActorID   int64
	ActorName string
	ActorRole Role
	Action    Action
	From      State
	To        State
	UnitID    string
	Reason    string
	Details   map[string]string
}
