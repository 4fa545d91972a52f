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
	tuneGC(env(nil), true)
	if p, l := gcSettings(); p != batchGCPercent || l != batchMemoryLimit {
		t.Errorf("batch: GOGC %d, limit %d; want %d, %d", p, l, batchGCPercent, batchMemoryLimit)
	}
	// A server or a worker undoes what initgc set while packages
	// initialized, and sets no limit.
	debug.SetGCPercent(400) // what cmd/kiln/internal/initgc sets (importing it here would set it for every test)
	debug.SetMemoryLimit(math.MaxInt64)
	tuneGC(env(nil), false)
	if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
		t.Errorf("server: GOGC %d, limit %d; want Go's defaults, 100 and none", p, l)
	}
	for _, set := range []map[string]string{{"GOGC": "off"}, {"GOMEMLIMIT": "64MiB"}} {
		for _, batch := range []bool{true, false} {
			debug.SetGCPercent(250) // what the runtime read from the environment, say
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(env(set), batch)
			if p, l := gcSettings(); p != 250 || l != math.MaxInt64 {
				t.Errorf("with %v (batch %v): GOGC %d, limit %d; want what the runtime read from the environment, untouched", set, batch, p, l)
			}
		}
	}
}

func TestBatch(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"check", "."}, true},
		{[]string{"version"}, true},
		{[]string{"--version"}, true},
		{[]string{"lsp"}, false},
		{[]string{"no-such-command"}, false},
		{nil, false},
	} {
		if got := batch(c.args); got != c.want {
			t.Errorf("batch(%q) = %v, want %v", c.args, got, c.want)
		}
	}
	t.Setenv("KILN_SANDBOX_WORKER", "1000")
	if batch([]string{"check"}) {
		t.Error("a sandbox worker is batch; want it at Go's defaults, which its memory budget is set against")
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
