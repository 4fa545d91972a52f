package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/emit"
)

// Outputs (-outputs N): what each output kiln build can add costs beside
// the manifests alone, over a generated repository of N apps. Every run
// builds cold (--no-cache) into an emptied directory, and the runs of the
// manifests alone alternate with the runs that add the output, so that a
// noisy neighbour slows both alike. The figure to read is the ratio.
// The guardrails are off (--no-policy): a generated app with a finding
// would not be written, and the team namespaces are written only when
// every app is; the apps get their owner's namespace and a contact.
// Writing the trees to disk (each synced) is noisy enough to hide the
// outputs: run it with TMPDIR on tmpfs (TMPDIR=/dev/shm).

type outputCost struct {
	name        string
	alone, with time.Duration
}

func benchOutputs(tmp, kiln string, n, runs int) {
	repo := filepath.Join(tmp, fmt.Sprintf("outputs-%d", n))
	for _, def := range generate(repo, n) {
		if filepath.Base(def) == "kiln.yaml" {
			check(ownNamespace(def))
		}
	}
	out := filepath.Join(tmp, "outputs-out")
	build := func(emitList string) func() {
		return func() {
			os.RemoveAll(out)
			quiet(kiln, "build", repo, "-o", out, "--no-cache", "--no-policy", "--emit", emitList)
		}
	}
	var costs []outputCost
	for _, a := range emit.Registry() {
		if a.Name == "k8s" {
			continue
		}
		ds := alternate(runs, trial{nil, build("k8s")}, trial{nil, build("k8s," + a.Name)})
		alone, with := ds[0], ds[1]
		if !wrote(out, a) {
			check(fmt.Errorf("kiln build --emit k8s,%s wrote none of the output's files: its time would mean nothing", a.Name))
		}
		costs = append(costs, outputCost{name: a.Name, alone: alone, with: with})
	}
	w := newTable()
	fmt.Fprintf(w, "output (%d apps)\tk8s alone\tk8s and it\tadded\tratio\t\n", n)
	for _, c := range costs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", c.name, ms(c.alone), ms(c.with), ms(c.with-c.alone), ratio(c.with, c.alone))
	}
	w.Flush()
}

// ownNamespace gives the app at def its owner's namespace and an on-call
// channel, so that every app has what the namespaces and alerts outputs
// are made from: the generated apps share namespaces across teams (which
// the team rules refuse) and only some have a contact.
func ownNamespace(def string) error {
	b, err := os.ReadFile(def)
	if err != nil {
		return err
	}
	var out, owner []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "  namespace: ") || strings.HasPrefix(l, "  contact: ") {
			continue
		}
		if o, ok := strings.CutPrefix(l, "  owner: "); ok {
			owner = append(owner, o)
		}
		out = append(out, l)
		if l == "metadata:" {
			out = append(out, "") // filled in once the owner is read
		}
	}
	if len(owner) != 1 {
		return fmt.Errorf("%s: no single owner", def)
	}
	for i, l := range out {
		if l == "metadata:" {
			out[i+1] = fmt.Sprintf("  namespace: %s\n  contact: \"#%s-oncall\"", owner[0], owner[0])
			break
		}
	}
	return os.WriteFile(def, []byte(strings.Join(out, "\n")), 0o644)
}

// wrote reports whether the build in out holds a file of a: under an
// app's directory, or beside them for an output across apps.
func wrote(out string, a emit.Artifact) bool {
	found := false
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return nil
		}
		rel, _ := filepath.Rel(out, path)
		rel = filepath.ToSlash(rel)
		if _, inApp, ok := strings.Cut(rel, "/"); ok && a.Owns(inApp) || a.Owns(rel) {
			found = true
		}
		return nil
	})
	return found
}
