// Package workflow carries items through the closed loop: it accepts
// submissions, tags and dispatches them, applies staff and citizen actions
// through the ticket domain, and persists each change with its timeline event
// in one transaction.
package workflow
