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
	tuneGC(env(nil))
	if p, l := gcSettings(); p != batchGCPercent || l != batchMemoryLimit {
		t.Errorf("GOGC %d, limit %d; want %d, %d", p, l, batchGCPercent, batchMemoryLimit)
	}
	for _, set := range []map[string]string{{"GOGC": "off"}, {"GOMEMLIMIT": "64MiB"}} {
		reset()
		tuneGC(env(set))
		if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
			t.Errorf("with %v: GOGC %d, limit %d; want what the runtime read from the environment, untouched", set, p, l)
		}
	}
}

// The language server alone keeps Go's collector defaults: it lives long
// and keeps little.
func TestOnlyTheLanguageServerIsAServer(t *testing.T) {
	for _, c := range commands {
		if c.server != (c.name == "lsp") {
			t.Errorf("kiln %s: server is %v", c.name, c.server)
		}
	}
}
