package cli

import (
	"runtime/debug"

	"github.com/kilnhq/kiln/internal/sandbox"
)

// batchGCPercent is the garbage collector's target for a command that
// runs once and exits (every command but the language server): the heap
// may grow to five times what is live before a collection, instead of
// Go's default of twice. A run allocates far more than it keeps (every
// app's objects are built, judged and dropped; kiln lint holds every
// file's documents for its inventory), and at the default the collector
// took 14% of a warm check's CPU, a fifth of a cold one's time and a
// quarter of kiln lint's over a thousand files; the price is memory,
// which docs/benchmarks.md measures (peak RSS at 1000, 5000 and 10000
// apps). GOGC or GOMEMLIMIT, when either is set, decides instead.
const batchGCPercent = 400

// batchMemoryLimit bounds what batchGCPercent may cost (Go's soft
// limit): the heap grows to five times what is live or to this, the
// smaller. Below 512 MiB live (some 40000 apps in one run) a run is
// collected less often than at Go's default, above it more often; a run
// over 10000 apps peaks at about half of the limit.
const batchMemoryLimit = 1 << 30

// tuneGC sets the collector for the process's command: batchGCPercent
// and batchMemoryLimit for a batch command, Go's defaults otherwise (the
// package initgc relaxes them until main), unless the environment sets
// them; getenv is os.Getenv.
func tuneGC(getenv func(string) string, batch bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return // the runtime read them: whoever set either chose
	}
	if !batch {
		debug.SetGCPercent(goDefaultGCPercent)
		return
	}
	debug.SetGCPercent(batchGCPercent)
	debug.SetMemoryLimit(batchMemoryLimit)
}

// goDefaultGCPercent is the runtime's target when GOGC is not set.
const goDefaultGCPercent = 100

// batch reports whether the process runs a batch command: args (without
// the program name) name a command that is no server, and the process is
// no sandbox worker (whose memory budget is set against Go's defaults).
func batch(args []string) bool {
	if sandbox.IsWorker() || len(args) == 0 {
		return false
	}
	cmd := lookup(commandName(args[0]))
	return cmd != nil && !cmd.server
}
