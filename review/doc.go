// Package review checks a unit's reply against the citizen's item before a
// reviewer approves it, and returns hints for the review page. The hints ask
// whether the reply addresses the place and the problem raised, states what
// was done and by when, and is more than a form sentence. The checks are
// heuristics over Chinese text: a hint asks the reviewer to look, it does not
// reject the reply.
package review
