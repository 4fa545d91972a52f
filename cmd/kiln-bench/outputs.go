package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kilnhq/kiln/compiler/emit"
)

// Outputs (-outputs N): what each output kiln build can add costs beside
// the manifests alone, over a generated repository of N apps. Every run
// builds cold (--no-cache) into an emptied directory, and the runs of the
// manifests alone alternate with the runs that add the output, so that a
// noisy neighbour slows both alike. The figure to read is the ratio.

type outputCost struct {
	name        string
	alone, with time.Duration
}

func benchOutputs(tmp, kiln string, n, runs int) {
	repo := filepath.Join(tmp, fmt.Sprintf("outputs-%d", n))
	generate(repo, n)
	out := filepath.Join(tmp, "outputs-out")
	build := func(emitList string) func() {
		return func() {
			os.RemoveAll(out)
			quiet(kiln, "build", repo, "-o", out, "--no-cache", "--emit", emitList)
		}
	}
	var costs []outputCost
	for _, name := range emit.Names() {
		if name == "k8s" {
			continue
		}
		alone, with := alternate(runs, build("k8s"), build("k8s,"+name))
		costs = append(costs, outputCost{name: name, alone: alone, with: with})
	}
	w := newTable()
	fmt.Fprintf(w, "output (%d apps)\tk8s alone\tk8s and it\tadded\tratio\t\n", n)
	for _, c := range costs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", c.name, ms(c.alone), ms(c.with), ms(c.with-c.alone), ratio(c.with, c.alone))
	}
	w.Flush()
}

// alternate runs a and b in turn, runs times each, and returns their
// medians.
func alternate(runs int, a, b func()) (time.Duration, time.Duration) {
	var as, bs []time.Duration
	for range runs {
		as = append(as, timeOf(a))
		bs = append(bs, timeOf(b))
	}
	return medianOf(as), medianOf(bs)
}

func timeOf(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
