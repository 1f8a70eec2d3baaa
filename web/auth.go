package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"minyi/org"
	"minyi/ticket"
)

// Permission names what a route needs. Every route declares one.
type Permission string

// The permissions.
const (
	PermPublic     Permission = "public"
	PermItemCreate Permission = "item:create"
	PermTicketList Permission = "ticket:list"
	PermTicketRead Permission = "ticket:read"
	PermUnitList   Permission = "unit:list"
	PermKPIRead    Permission = "kpi:read"
	PermSelf       Permission = "self:read"
)

// ActionPermission is the permission of a ticket action route.
func ActionPermission(a ticket.Action) Permission { return Permission("ticket:" + string(a)) }

// rolePermissions is the access matrix: what each role may do. Ticket actions
// are further checked by the ticket domain against state and unit.
var rolePermissions = map[ticket.Role][]Permission{
	ticket.RoleCentre: {PermItemCreate, PermTicketList, PermTicketRead, PermUnitList, PermKPIRead, PermSelf,
		ActionPermission(ticket.ActTriage), ActionPermission(ticket.ActDispatch), ActionPermission(ticket.ActApprove),
		ActionPermission(ticket.ActReject), ActionPermission(ticket.ActCallback), ActionPermission(ticket.ActClose),
		ActionPermission(ticket.ActReopen), ActionPermission(ticket.ActMerge), ActionPermission(ticket.ActInvalidate),
		ActionPermission(ticket.ActTransferOut), ActionPermission(ticket.ActFlagUrgent),
		ActionPermission(ticket.ActSupervise), ActionPermission(ticket.ActGrantExtension),
		ActionPermission(ticket.ActDenyExtension)},
	ticket.RoleHandler: {PermTicketList, PermTicketRead, PermUnitList, PermSelf,
		ActionPermission(ticket.ActAccept), ActionPermission(ticket.ActReply), ActionPermission(ticket.ActReturn),
		ActionPermission(ticket.ActRequestExtension)},
	ticket.RoleLeader: {PermTicketList, PermTicketRead, PermUnitList, PermKPIRead, PermSelf,
		ActionPermission(ticket.ActSupervise)},
	ticket.RoleAuditor: {PermUnitList, PermSelf},
	ticket.RoleAdmin:   {PermItemCreate, PermUnitList, PermKPIRead, PermSelf},
}

// Allowed reports whether role holds permission p.
func Allowed(role ticket.Role, p Permission) bool {
	if p == PermPublic {
		return true
	}
	for _, q := range rolePermissions[role] {
		if q == p {
			return true
		}
	}
	return false
}

// authorize authenticates the bearer token and checks the permission.
func (s *Server) authorize(p Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeError(w, r, s.log, errUnauthenticated)
			return
		}
		acct, err := org.AccountByToken(r.Context(), s.db, strings.TrimSpace(token))
		if errors.Is(err, org.ErrNotFound) {
			writeError(w, r, s.log, errUnauthenticated)
			return
		}
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if !Allowed(acct.Role, p) {
			writeError(w, r, s.log, errPermission)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, acct)))
	}
}

var (
	errUnauthenticated = errors.New("sign-in required: send Authorization: Bearer TOKEN")
	errPermission      = errors.New("your role does not have this permission")
)
