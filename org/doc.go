// Package org stores the unit tree, officers and staff accounts, loads them from
// a profile, and authenticates API tokens.
package org
