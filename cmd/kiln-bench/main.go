// Command kiln-bench measures kiln check over generated repositories of N
// apps, beside the floors it cannot beat and the tools teams run today, all
// in one run, and prints one table of medians and ratios. Machines are
// shared and noisy: read the ratios.
//
//	go run ./cmd/kiln-bench -n 1,100,1000 -runs 3
//
// For each N it generates N apps (internal/appgen, with every shape of the
// app model in the shares its doc says, and every tenth app calling the one
// before it; a few percent with an
// unpinned image, a third with config tests), then times kiln check cold
// (empty cache), warm with nothing changed, and warm with one app
// changed; one app alone in a fresh cache; the floors: sha256sum over the
// same input files, a no-op Go binary's start-up and kiln's own (kiln
// version: what every run pays before any work); and, when installed,
// conftest test running kiln's own rules on the emitted manifests, all
// of them and the one app's. The two sides of each ratio run in turn,
// round after round (cold beside conftest; warm beside the floors; one
// changed beside the app alone and conftest on it), so that a machine
// whose speed drifts during the run moves both. Then the editor
// benchmark (lsp.go): kiln
// lsp's latency from a didChange to its diagnostics, beside
// yaml-language-server's on the same file and edits.
//
// With -scale N,... it runs the scale benchmark (scale.go) instead:
// --base, --shard and --remote-cache over git repositories of N apps,
// and peak RSS beside conftest's. With -rss N,... it measures only peak
// RSS of a cold check beside conftest's (rss.go).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kilnhq/kiln/internal/appgen"
)

func main() {
	sizes := flag.String("n", "1,100,1000", "corpus sizes, comma-separated")
	runs := flag.Int("runs", 3, "runs per measurement; the median is reported")
	kiln := flag.String("kiln", "", "kiln binary (default: built from this module)")
	edits := flag.Int("edits", 200, "edits for the editor benchmark (kiln lsp beside yaml-language-server); 0 skips it")
	scale := flag.String("scale", "", "corpus sizes for the scale benchmark (--base, --shard, --remote-cache, peak RSS), e.g. 5000,10000; it alone runs")
	rss := flag.String("rss", "", "corpus sizes for the memory benchmark (peak RSS of a cold check beside conftest's), e.g. 1000,5000,10000; it alone runs")
	outputs := flag.Int("outputs", 0, "apps for the outputs benchmark (what each output adds to kiln build beside the manifests alone); it alone runs")
	corpus := flag.String("corpus", "", "only write a repository of the first -n size to this directory, for profiling")
	flag.Parse()
	if *corpus != "" {
		n, err := strconv.Atoi(strings.Split(*sizes, ",")[0])
		check(err)
		// generate empties the directory it writes: never one that
		// holds anything.
		if entries, err := os.ReadDir(*corpus); err == nil && len(entries) > 0 || err != nil && !os.IsNotExist(err) {
			check(fmt.Errorf("-corpus %s: give a directory that does not exist or is empty", *corpus))
		}
		generate(*corpus, n)
		return
	}
	tmp, err := os.MkdirTemp("", "kiln-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	if *kiln == "" {
		*kiln = filepath.Join(tmp, "kiln")
		build := exec.Command("go", "build", "-o", *kiln, "./cmd/kiln")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // as make build builds it
		build.Stderr = os.Stderr
		check(build.Run())
	}
	if *scale != "" {
		benchScale(tmp, *kiln, sizesOf(*scale))
		return
	}
	if *rss != "" {
		benchRSS(tmp, *kiln, sizesOf(*rss))
		return
	}
	if *outputs > 0 {
		benchOutputs(tmp, *kiln, *outputs, *runs)
		return
	}
	noop := buildNoop(tmp)
	w := newTable()
	fmt.Fprintln(w, "apps\tkiln cold\twarm, none changed\twarm, 1 changed\t1 app alone\tsha256sum floor\tno-op start\tkiln version\tconftest\tconftest, 1 app\twarm/floor\tkiln version/floor\t1 changed/1 alone\tcold/conftest\t1 alone/conftest 1\t")
	for _, n := range sizesOf(*sizes) {
		r := measure(tmp, *kiln, noop, n, *runs)
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", n, ms(r.cold), ms(r.warm), ms(r.changed), ms(r.alone), ms(r.floor), ms(r.noop), ms(r.start),
			ms(r.conftest), ms(r.conftestOne), ratio(r.warm, r.floor), ratio(r.start, r.floor), ratio(r.changed, r.alone), ratio(r.cold, r.conftest), ratio(r.alone, r.conftestOne))
	}
	w.Flush()
	benchLint(tmp, *kiln, *sizes, *runs)
	if *edits > 0 {
		benchEditors(tmp, *kiln, *edits)
	}
}

// sizesOf reads a comma-separated list of corpus sizes.
func sizesOf(list string) []int {
	var ns []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		ns = append(ns, n)
	}
	return ns
}

func newTable() *tabwriter.Writer {
	return tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
}

type result struct {
	cold, warm, changed, alone, floor, noop, conftest time.Duration
	// start is kiln version: the process's start alone (the runtime, every
	// package's initialisation), which every run pays before any work.
	start time.Duration
	// conftestOne is conftest on the manifests of the app timed alone:
	// what a pre-commit hook running conftest pays after an edit.
	conftestOne time.Duration
}

func measure(tmp, kiln, noop string, n, runs int) result {
	repo := filepath.Join(tmp, fmt.Sprintf("repo-%d", n))
	inputs := generate(repo, n)
	cacheDir := filepath.Join(tmp, fmt.Sprintf("cache-%d", n))
	kilnCheck := func(args ...string) func() {
		return func() {
			quiet(kiln, append([]string{"check", "--cache-dir", cacheDir, "--progress", "never"}, args...)...)
		}
	}
	first := filepath.Join(repo, "apps", "app0000", "kiln.yaml")
	out := filepath.Join(tmp, fmt.Sprintf("out-%d", n))
	quiet(kiln, "build", repo, "-o", out, "--emit", "k8s", "--no-policy")
	manifests, _ := filepath.Glob(filepath.Join(out, "*", "rendered", "*.yaml"))
	outOne := filepath.Join(tmp, fmt.Sprintf("out-one-%d", n))
	quiet(kiln, "build", filepath.Dir(first), "-o", outOne, "--emit", "k8s", "--no-policy")
	one, _ := filepath.Glob(filepath.Join(outOne, "*", "rendered", "*.yaml"))
	conftest := func([]string) func() { return nil }
	if path, err := exec.LookPath("conftest"); err == nil {
		policy := conftestPolicy(tmp)
		conftest = func(files []string) func() {
			return func() { quiet(path, append([]string{"test", "--combine", "--no-color", "-p", policy}, files...)...) }
		}
	} else {
		fmt.Fprintln(os.Stderr, "kiln-bench: conftest is not on PATH: its columns are left out (go install github.com/open-policy-agent/conftest@latest)")
	}

	// Each ratio's sides run in turn, round after round, rather than one
	// side's runs and then the other's: a machine that slows down or
	// speeds up during the run moves both alike.
	var r result
	ds := alternate(runs,
		trial{func() { os.RemoveAll(cacheDir) }, kilnCheck(repo)},
		trial{nil, conftest(manifests)})
	r.cold, r.conftest = ds[0], ds[1]
	kilnCheck(repo)()
	ds = alternate(runs,
		trial{nil, kilnCheck(repo)},
		trial{nil, func() { quiet("sha256sum", inputs...) }},
		trial{nil, func() { quiet(noop) }},
		trial{nil, func() { quiet(kiln, "version") }})
	r.warm, r.floor, r.noop, r.start = ds[0], ds[1], ds[2], ds[3]
	orig, _ := os.ReadFile(first)
	i := 0
	alone := filepath.Join(tmp, "alone-cache")
	ds = alternate(runs,
		trial{func() {
			i++
			os.WriteFile(first, append(append([]byte{}, orig...), fmt.Sprintf("# edit %d\n", i)...), 0o644)
		}, kilnCheck(repo)},
		trial{func() { os.RemoveAll(alone) }, func() {
			quiet(kiln, "check", "--cache-dir", alone, "--progress", "never", filepath.Dir(first))
		}},
		trial{nil, conftest(one)})
	r.changed, r.alone, r.conftestOne = ds[0], ds[1], ds[2]
	os.WriteFile(first, orig, 0o644)
	return r
}

// A trial is one timed command, and what to do before each run of it
// (untimed).
type trial struct {
	prepare, run func()
}

// alternate runs each trial once per round, in order, for runs rounds,
// and returns each one's median; a trial without run is 0.
func alternate(runs int, trials ...trial) []time.Duration {
	ds := make([][]time.Duration, len(trials))
	for range runs {
		for i, t := range trials {
			if t.run == nil {
				continue
			}
			if t.prepare != nil {
				t.prepare()
			}
			start := time.Now()
			t.run()
			ds[i] = append(ds[i], time.Since(start))
		}
	}
	out := make([]time.Duration, len(trials))
	for i := range trials {
		out[i] = medianOf(ds[i])
	}
	return out
}

// generate writes a repository of n apps and returns its input files.
func generate(repo string, n int) []string {
	os.RemoveAll(repo)
	check(os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	r := rand.New(rand.NewPCG(7, uint64(n)))
	var inputs []string
	for i := range n {
		dir := filepath.Join(repo, "apps", fmt.Sprintf("app%04d", i))
		check(os.MkdirAll(dir, 0o755))
		app := appgen.RandomWith(r, i, appgen.Options{DependsOn: true})
		if i%25 == 24 { // a few percent trip a guardrail: an unpinned image
			lines := strings.Split(app, "\n")
			for j, l := range lines {
				if strings.HasPrefix(l, "  image: ") {
					lines[j] = fmt.Sprintf("  image: registry.example.com/t/app-%d:latest", i)
				}
			}
			app = strings.Join(lines, "\n")
		}
		name := filepath.Join(dir, "kiln.yaml")
		check(os.WriteFile(name, []byte(app), 0o644))
		inputs = append(inputs, name)
		if i%3 == 0 {
			test := filepath.Join(dir, "kiln_test.yaml")
			check(os.WriteFile(test, []byte("tests:\n  - it: has one ServiceAccount\n    env: prod\n    asserts:\n      - hasDocuments: {count: 1}\n        kind: ServiceAccount\n"), 0o644))
			if !strings.Contains(app, "environments:") {
				check(os.WriteFile(test, []byte("tests:\n  - it: has one ServiceAccount\n    asserts:\n      - hasDocuments: {count: 1}\n        kind: ServiceAccount\n"), 0o644))
			}
			inputs = append(inputs, test)
		}
	}
	return inputs
}

// conftestPolicy runs kiln's own rules under conftest, through a package
// main wrapper that gives each rule a whole file, as kiln does.
func conftestPolicy(tmp string) string {
	dir := filepath.Join(tmp, "conftest-policy")
	os.MkdirAll(dir, 0o755)
	files, _ := filepath.Glob("policies/*.rego")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.rego") {
			b, _ := os.ReadFile(f)
			os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, "wrapper.rego"), []byte(`package main

import rego.v1

paths := {e.path | some e in input}

deny contains sprintf("%s: %s: %v", [path, name, r]) if {
	some path in paths
	objs := [e.contents | some e in input; e.path == path; is_object(e.contents)]
	some name
	r := data.kiln.rules[name].deny[_] with input as {"objects": objs, "environment": "default"}
		with data.kiln.context as {"environment": "default", "production": false}
}
`), 0o644)
	return dir
}

func buildNoop(tmp string) string {
	dir := filepath.Join(tmp, "noop")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module noop\n\ngo 1.26\n"), 0o644)
	bin := filepath.Join(tmp, "noop-bin")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the no-op binary: %v\n%s", err, out)
		os.Exit(1)
	}
	return bin
}

// quiet runs a command for its time; exit status 1 (findings) is expected.
func quiet(name string, args ...string) {
	cmd := exec.Command(name, args...)
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return
		}
		fmt.Fprintf(os.Stderr, "kiln-bench: %s: %v\n", name, err)
	}
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000)
}

func ratio(a, b time.Duration) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiln-bench:", err)
		os.Exit(1)
	}
}
