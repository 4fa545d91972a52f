package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBudgetsHoldForHostileInputs runs kiln, as a process, on inputs
// that would grow without end, and asserts each one's positioned message,
// exit code 2, and the peak resident set of kiln and its workers (the
// rusage of kiln, which waits for them).
func TestBudgetsHoldForHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("each case evaluates to its budget")
	}
	const app = "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: team-a}\nspec: {image: registry.example.com/a:1.0.0, port: 8080}\n"
	const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\ndata: {a: b}\n"
	const rego = "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\txs := [sprintf(\"%d-%d\", [i, j]) | some i in numbers.range(1, 1000000); some j in numbers.range(1, 100)]\n\tcount(xs) > 0\n\tmsg := \"x\"\n}\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		args  []string
		want  string
		bound int64 // MiB of peak RSS: the budget, kiln's own and a worker's start
	}{
		// Each memory case's time bound is generous (--eval-timeout is
		// added below), so that on a loaded machine, which allocates
		// slowly, the memory bound still ends it first.
		{"jsonnet array", map[string]string{"a/kiln.jsonnet": "std.length(std.makeArray(200000000, function(i) i))\n"},
			[]string{"check", "--eval-memory", "128MiB", "a"}, `a/kiln.jsonnet:1:1: error: Jsonnet evaluation used more than its memory budget of 128MiB`, 128 + 256},
		{"jsonnet string doubled 34 times", map[string]string{"a/kiln.jsonnet": "local s(n) = if n == 0 then 'x' else local t = s(n-1); t + t;\nstd.length(s(34))\n"},
			[]string{"validate", "--eval-memory", "128MiB", "a/kiln.jsonnet"}, `a/kiln.jsonnet:2:1: error: Jsonnet evaluation used more than its memory budget`, 128 + 256},
		{"jsonnet join", map[string]string{"a/kiln.jsonnet": "std.length(std.join('', std.makeArray(30000000, function(i) 'abcdefgh')))\n"},
			[]string{"validate", "--eval-memory", "128MiB", "a/kiln.jsonnet"}, `[load/jsonnet-memory]`, 128 + 256},
		{"cue range", map[string]string{"a/kiln.cue": "import \"list\"\n\nx: [for i in list.Range(0, 100000000, 1) {i}]\n"},
			[]string{"check", "--eval-memory", "128MiB", "a"}, `a/kiln.cue:3:1: error: CUE evaluation used more than its memory budget of 128MiB`, 128 + 256},
		{"cue test file", map[string]string{"a/kiln.yaml": app, "a/kiln_test.cue": "import \"list\"\n\nx: [for i in list.Range(0, 100000000, 1) {i}]\n"},
			[]string{"test", "--eval-memory", "128MiB", "a"}, `a/kiln_test.cue:3:1: error: CUE evaluation used more than its memory budget`, 128 + 256},
		{"rego comprehension", map[string]string{"m.yaml": configMap, "p/x.rego": rego},
			[]string{"lint", "--policy", "p", "--policy-memory", "128MiB", "--policy-timeout", "2m", "m.yaml"}, `the guardrails grew kiln's memory past their budget`, 128 + 256},
		{"quantity exponent", map[string]string{"a/kiln.yaml": strings.Replace(app, "port: 8080}", "port: 8080, resources: {cpu: \"1e-999999999\"}}", 1)},
			[]string{"validate", "a/kiln.yaml"}, `a/kiln.yaml:4:`, 256},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range c.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := c.args
			if slices.Contains(args, "--eval-memory") {
				args = append(slices.Clone(args[:1]), append([]string{"--eval-timeout", "2m"}, args[1:]...)...)
			}
			code, out, peak, took := runKiln(t, dir, args...)
			if code != 2 || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, want 2 and %q in:\n%s", code, c.want, out)
			}
			if peak > c.bound<<20 {
				t.Errorf("kiln peaked at %d MiB, over %d MiB", peak>>20, c.bound)
			}
			t.Logf("exit 2 in %v, peak RSS %d MiB", took.Round(time.Millisecond), peak>>20)
		})
	}
}

// runKiln runs this test binary as kiln (testscript's main dispatches on
// the name) and returns its exit code, its output, its peak RSS and its
// wall time.
func runKiln(t *testing.T, dir string, args ...string) (int, string, int64, time.Duration) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "kiln"
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return cmd.ProcessState.ExitCode(), out.String(), ru.Maxrss << 10, took
}
