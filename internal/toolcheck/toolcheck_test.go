package toolcheck

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records how the test would end.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = format }
func (r *recorder) Skipf(format string, a ...any)  { r.skip = format }

func TestMissingFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Missing(r, "x is not installed", "the x lane")
	if r.fatal == "" || r.skip != "" {
		t.Errorf("under CI=true a missing tool must fail the test: %+v", r)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Missing(r, "x is not installed", "the x lane")
	if r.skip == "" || r.fatal != "" || !strings.HasPrefix(r.skip, "SKIPPED") {
		t.Errorf("off CI a missing tool must skip loudly: %+v", r)
	}
}

func TestCommand(t *testing.T) {
	if p := Command(t, "sh", "any POSIX system has it", "nothing"); p == "" {
		t.Error("sh not found")
	}
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Command(r, "kiln-no-such-tool", "nowhere", "nothing")
	if r.fatal == "" {
		t.Error("a command not on PATH did not end the test")
	}
}
