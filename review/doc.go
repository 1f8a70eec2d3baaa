// Package review checks a unit's reply against the item it answers, before a
// reviewer approves it, and returns hints for the review page: does the
// reply address the place and the problem raised, does it say what was done
// and by when, and is it more than a form sentence. The checks are
// heuristics over Chinese text; a hint asks the reviewer to look, it does not
// reject the reply.
package review
