package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kilnhq/kiln/schemas/kube"
)

// kubeconformVersion is the kubeconform installed from the Go module proxy
// when none is on PATH.
const kubeconformVersion = "v0.7.0"

// The lint benchmark: kiln lint (strict schema validation and every
// built-in rule) over the emitted manifests of the largest corpus, beside
// kubeconform -strict alone on the same files, with kiln's own schemas
// written in kubeconform's layout (schemas/kube.Standalone), and beside
// conftest running kiln's rules when it is installed. The runs alternate
// (kiln, kubeconform, conftest, again), so that the machine's noise falls
// on all three; each figure is the median. Both validators must find the
// same number of documents invalid, or they did not check the same thing.
type lintResult struct {
	files, docs                  int
	kiln, kubeconform, conftest  time.Duration
	kilnInvalid, kcInvalid, kcOK int
}

// benchLint runs the lint benchmark on the corpus of the largest of sizes
// and prints its table.
func benchLint(tmp, kiln, sizes string, runs int) {
	n := 0
	for _, s := range strings.Split(sizes, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			n = max(n, v)
		}
	}
	manifests := emitted(tmp, kiln, n)
	kc, err := kubeconformBinary(tmp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiln-bench: kubeconform: %v: the lint table is left out\n", err)
		return
	}
	schemas := filepath.Join(tmp, "kubeconform-schemas")
	files, err := kube.Standalone(kube.Default())
	check(err)
	check(os.MkdirAll(schemas, 0o755))
	for name, b := range files {
		check(os.WriteFile(filepath.Join(schemas, name), b, 0o644))
	}
	kcArgs := append([]string{"-strict", "-summary", "-schema-location", filepath.Join(schemas, "{{ .ResourceKind }}{{ .KindSuffix }}.json")}, manifests...)
	kilnArgs := append([]string{"lint", "-j", strconv.Itoa(runtime.NumCPU())}, manifests...)
	conftest, _ := exec.LookPath("conftest")
	var confArgs []string
	if conftest != "" {
		confArgs = append([]string{"test", "--combine", "--no-color", "-p", conftestPolicy(tmp)}, manifests...)
	}

	var ks, cs, fs []time.Duration
	for range runs {
		d, _ := timed(kiln, kilnArgs...)
		ks = append(ks, d)
		d, _ = timed(kc, kcArgs...)
		cs = append(cs, d)
		if conftest != "" {
			d, _ = timed(conftest, confArgs...)
			fs = append(fs, d)
		}
	}
	r := lintResult{files: len(manifests), kiln: medianOf(ks), kubeconform: medianOf(cs), conftest: medianOf(fs)}
	r.kilnInvalid = kilnInvalid(kiln, manifests)
	r.kcInvalid, r.kcOK = kubeconformInvalid(kc, kcArgs)
	r.docs = r.kcInvalid + r.kcOK

	w := newTable()
	fmt.Fprintln(w, "lint: files\tdocuments\tkiln lint\tkubeconform -strict\tconftest\tkiln/kubeconform\tkiln/conftest\tinvalid: kiln\tkubeconform\t")
	fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", r.files, r.docs, ms(r.kiln), ms(r.kubeconform), ms(r.conftest),
		ratio(r.kiln, r.kubeconform), ratio(r.kiln, r.conftest), r.kilnInvalid, r.kcInvalid)
	w.Flush()
	if r.kilnInvalid != r.kcInvalid {
		fmt.Fprintf(os.Stderr, "kiln-bench: kiln lint finds %d documents invalid and kubeconform %d: they did not validate the same thing\n", r.kilnInvalid, r.kcInvalid)
	}
}

// emitted returns the rendered manifests of the n-app corpus, which the
// main table's run wrote; it writes them when that run did not.
func emitted(tmp, kiln string, n int) []string {
	out := filepath.Join(tmp, fmt.Sprintf("out-%d", n))
	manifests, _ := filepath.Glob(filepath.Join(out, "*", "rendered", "*.yaml"))
	if len(manifests) == 0 {
		repo := filepath.Join(tmp, fmt.Sprintf("repo-%d", n))
		generate(repo, n)
		quiet(kiln, "build", repo, "-o", out, "--emit", "k8s", "--no-policy")
		manifests, _ = filepath.Glob(filepath.Join(out, "*", "rendered", "*.yaml"))
	}
	return manifests
}

// kubeconformBinary finds kubeconform on PATH, or installs the pinned
// release into tmp.
func kubeconformBinary(tmp string) (string, error) {
	if path, err := exec.LookPath("kubeconform"); err == nil {
		return path, nil
	}
	cmd := exec.Command("go", "install", "github.com/yannh/kubeconform/cmd/kubeconform@"+kubeconformVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	cmd.Dir = tmp // outside this module: its go.mod does not require kubeconform
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return filepath.Join(tmp, "kubeconform"), nil
}

// kilnInvalid counts the documents kiln lint finds invalid against the
// schema: distinct objects with a kube/ error.
func kilnInvalid(kiln string, manifests []string) int {
	out, _ := exec.Command(kiln, append([]string{"lint", "--format", "json"}, manifests...)...).Output()
	var report struct {
		Diagnostics []struct{ File, Object, Severity, Code string }
	}
	if err := json.Unmarshal(out, &report); err != nil {
		fmt.Fprintf(os.Stderr, "kiln-bench: kiln lint --format json: %v\n", err)
		return -1
	}
	seen := map[string]bool{}
	for _, d := range report.Diagnostics {
		if d.Severity == "error" && strings.HasPrefix(d.Code, "kube/") {
			seen[d.File+"\x00"+d.Object] = true
		}
	}
	return len(seen)
}

// kubeconformInvalid counts the documents kubeconform finds invalid, and
// those it finds valid, from its summary.
func kubeconformInvalid(kc string, args []string) (invalid, valid int) {
	out, _ := exec.Command(kc, args...).Output()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	summary := lines[len(lines)-1] // "Summary: 8087 resources found in 1471 files - Valid: 8087, Invalid: 0, Errors: 0, Skipped: 0"
	var found, files, errs, skipped int
	if _, err := fmt.Sscanf(summary, "Summary: %d resources found in %d files - Valid: %d, Invalid: %d, Errors: %d, Skipped: %d",
		&found, &files, &valid, &invalid, &errs, &skipped); err != nil {
		fmt.Fprintf(os.Stderr, "kiln-bench: kubeconform's summary %q: %v\n", summary, err)
		return -1, 0
	}
	return invalid + errs, valid
}

func medianOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}
