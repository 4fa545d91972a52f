// Package initgc relaxes Go's garbage collector while kiln's packages
// initialize, so that a run's first collection does not happen before
// main.
//
// kiln links some 380 packages whose initialization allocates about 5 MB
// (compiled meta-schemas, regular expressions, decimal tables, type
// registries), past the 4 MB at which Go collects for the first time: a
// collection a few milliseconds into every run, which took 3 of the 14
// ms that `kiln version` took. cmd/kiln/cli.Main sets each command's own
// collector settings; this package only holds the runtime's first target
// off until then.
//
// The linker initializes packages in dependency order, the lexically
// first ready one at each step (cmd/link's inittask ordering), so this
// package runs after runtime/debug, which sorts after most of what kiln
// imports: about 2 MB have been allocated by then. The test of package
// main holds that no collection happens before main.
package initgc

import (
	"os"
	"runtime/debug"
)

// percent is the collector's target while packages initialize.
const percent = 400

func init() {
	if unset("GOGC") && unset("GOMEMLIMIT") { // the runtime read them: whoever set either chose
		debug.SetGCPercent(percent)
	}
}

// unset reports whether k is unset or empty, as the runtime and tuneGC
// take it.
func unset(k string) bool { return os.Getenv(k) == "" }
