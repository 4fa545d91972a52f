package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// gcSettings reads the collector's target and limit without changing them.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1) // a negative limit only reads it
}

func TestTuneGC(t *testing.T) {
	percent0, limit0 := gcSettings()
	t.Cleanup(func() { debug.SetGCPercent(percent0); debug.SetMemoryLimit(limit0) })
	reset := func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) }
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	reset()
	tuneGC("check", env(nil))
	if p, l := gcSettings(); p != batchGCPercent || l != batchMemoryLimit {
		t.Errorf("kiln check: GOGC %d, limit %d; want %d, %d", p, l, batchGCPercent, batchMemoryLimit)
	}
	reset()
	tuneGC("lsp", env(nil))
	if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
		t.Errorf("kiln lsp: GOGC %d, limit %d; want Go's defaults", p, l)
	}
	for _, set := range []map[string]string{{"GOGC": "off"}, {"GOMEMLIMIT": "64MiB"}} {
		reset()
		tuneGC("build", env(set))
		if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
			t.Errorf("with %v: GOGC %d, limit %d; want what the runtime read from the environment, untouched", set, p, l)
		}
	}
}
