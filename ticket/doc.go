// Package ticket is the domain model of a citizen's item: its states, the
// transitions between them, the flags beside them and the events that record
// every step. It performs no I/O. Callers load a Ticket, call Apply, and persist
// the changed ticket together with the returned Event in one transaction.
package ticket
