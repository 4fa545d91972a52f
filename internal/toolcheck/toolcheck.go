// Package toolcheck is how a test that runs a real tool (promtool,
// amtool, shellcheck, node with its packages) finds it. A tool that is
// missing skips the test loudly on a developer's machine, saying what went
// unchecked, and fails it under CI=true: CI must never pass because it
// checked nothing.
package toolcheck

import (
	"os"
	"os/exec"
	"testing"
)

// Missing ends the test because a tool is missing: why says which and how
// to install it, unchecked what goes unchecked without it.
func Missing(t testing.TB, why, unchecked string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: %s must be checked here)", why, unchecked)
		return
	}
	t.Skipf("SKIPPED, %s not checked: %s", unchecked, why)
}

// Command returns the path of command name, or ends the test (Missing)
// when it is not on PATH; install says how to get it.
func Command(t testing.TB, name, install, unchecked string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed ("+install+")", unchecked)
	}
	return p
}
