// Package simulate drives open tickets through the closed loop on a simulated
// clock, with the mix of behaviour a real centre sees: most items handled in
// time, some returned, some replies rejected at review, some citizens
// unsatisfied, some unreachable, some items overdue. The demo city and the
// real-data run use it to show a working centre.
package simulate
