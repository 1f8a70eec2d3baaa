package ticket

// State is where a ticket stands in the closed loop.
type State string

// The states of the closed loop.
const (
	Received       State = "received"
	Triage         State = "triage"
	Dispatched     State = "dispatched"
	Accepted       State = "accepted"
	Replied        State = "replied"
	Reviewed       State = "reviewed"
	CalledBack     State = "called_back"
	Closed         State = "closed"
	Reopened       State = "reopened"
	Merged         State = "merged"
	Invalid        State = "invalid"
	Withdrawn      State = "withdrawn"
	TransferredOut State = "transferred_out"
)

// States lists every state in loop order.
var States = []State{
	Received, Triage, Dispatched, Accepted, Replied, Reviewed, CalledBack, Closed,
	Reopened, Merged, Invalid, Withdrawn, TransferredOut,
}

// Ended reports whether s is a final state from which only a reopen (for
// Closed) leads on.
func (s State) Ended() bool {
	switch s {
	case Closed, Merged, Invalid, Withdrawn, TransferredOut:
		return true
	}
	return false
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Label returns the Simplified Chinese name staff see for s.
func (s State) Label() string {
	return stateLabels[s]
}

var stateLabels = map[State]string{
	Received:       "已受理",
	Triage:         "待分拣",
	Dispatched:     "已派单",
	Accepted:       "已签收",
	Replied:        "已办结待审核",
	Reviewed:       "审核通过待回访",
	CalledBack:     "已回访",
	Closed:         "已结案",
	Reopened:       "重办",
	Merged:         "已合并",
	Invalid:        "无效",
	Withdrawn:      "已撤回",
	TransferredOut: "已转外部门",
}

// Role is what an actor may do. Centre staff see every ticket; handlers and
// leaders see their unit's subtree.
type Role string

// The roles.
const (
	RoleSystem  Role = "system"
	RoleCitizen Role = "citizen"
	RoleCentre  Role = "centre"
	RoleHandler Role = "handler"
	RoleLeader  Role = "leader"
	RoleAuditor Role = "auditor"
	RoleAdmin   Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleSystem, RoleCitizen, RoleCentre, RoleHandler, RoleLeader, RoleAuditor, RoleAdmin}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// Outcome is the result of a call-back or a citizen's rating of the result.
type Outcome string

// Call-back outcomes.
const (
	Satisfied      Outcome = "satisfied"
	BasicSatisfied Outcome = "basic"
	Unsatisfied    Outcome = "unsatisfied"
	Unreachable    Outcome = "unreachable"
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	switch o {
	case Satisfied, BasicSatisfied, Unsatisfied, Unreachable:
		return true
	}
	return false
}
