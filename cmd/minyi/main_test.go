package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the package's tests in a temporary working folder, because
// subcommands create key and checkpoint files in the working folder when a
// PostgreSQL deployment names none, and tests must not write into the source
// tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "minyi-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
