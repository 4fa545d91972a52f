package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/source"
)

// slowApp is a Jsonnet app that takes a moment to evaluate: far longer
// than a nanosecond, far shorter than the default limit.
const slowApp = `{
  apiVersion: 'kiln.dev/v1alpha1',
  kind: 'App',
  metadata: { name: 'api', owner: 'team-api' },
  spec: { image: 'ghcr.io/acme/api:1.0.0', port: std.length(std.range(1, 200000)) - 191000 },
}
`

// slowRepo writes slowApp, with a passing test beside it, into a new
// repository and returns the definition's path.
func slowRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	def := filepath.Join(dir, "api", "kiln.jsonnet")
	os.MkdirAll(filepath.Dir(def), 0o755)
	if err := os.WriteFile(def, []byte(slowApp), 0o644); err != nil {
		t.Fatal(err)
	}
	test := "tests:\n  - it: listens on 9000\n    asserts:\n      - contains: {path: spec.ports, content: {port: 9000}}\n        kind: Service\n"
	if err := os.WriteFile(filepath.Join(dir, "api", "kiln_test.yaml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	return def
}

func timedOut(ds []diag.Wire) bool {
	for _, d := range ds {
		if d.Code == "load/jsonnet-timeout" {
			return true
		}
	}
	return false
}

// A Jsonnet evaluation that ran out of time is this run's error, never a
// stored result: the next check or build of the same app computes, in
// kiln check, kiln build and the cache under both.
func TestTimeOutIsNotStored(t *testing.T) {
	def := slowRepo(t)
	data, _ := os.ReadFile(def)
	in := input{file: source.NewFile(def, data), root: filepath.Dir(filepath.Dir(def)), eval: evalLimits{timeout: time.Nanosecond}}
	w, g, shared := openForTest(t, def)
	prepare := w.prepare
	eng := engine.New(engine.Options{Dir: t.TempDir()})
	tests := testsBeside(filepath.Dir(def))

	r, _, err := checkApp(eng, shared, in, tests, prepare, g)
	if err != nil || !timedOut(r.Diags) {
		t.Fatalf("a check out of time: %+v, %v", r.Diags, err)
	}
	in.eval.timeout = 0
	r, hit, err := checkApp(eng, shared, in, tests, prepare, g)
	if err != nil || hit || timedOut(r.Diags) || hasError(r.Diags) || len(r.Tests) != 1 || r.Tests[0].Status != "passed" {
		t.Errorf("the check after a time-out: hit %v, %+v, tests %+v, %v", hit, r.Diags, r.Tests, err)
	}
	if _, hit, _ := checkApp(eng, shared, in, tests, prepare, g); !hit {
		t.Error("a check that finished was not stored")
	}

	p, err := prepare()
	if err != nil {
		t.Fatal(err)
	}
	in.eval.timeout = time.Nanosecond
	oc := buildApp(eng, shared, in, p.schema, p.opts, "", g)
	if !oc.badInput || !timedOutDiags(oc.diags) {
		t.Fatalf("a build out of time: %+v", oc.diags)
	}
	in.eval.timeout = 0
	hits, _ := eng.Stats()
	if oc := buildApp(eng, shared, in, p.schema, p.opts, "", g); oc.badInput || oc.built == nil {
		t.Errorf("the build after a time-out: %+v", oc.diags)
	}
	if now, _ := eng.Stats(); now != hits {
		t.Error("the build after a time-out was answered from the cache")
	}
}

func timedOutDiags(ds diag.List) bool {
	for _, d := range ds {
		if d.Code == "load/jsonnet-timeout" {
			return true
		}
	}
	return false
}

// The language server's memory keeps no time-out either: not as the
// app's check, nor as a test file's run, nor as the build its hovers and
// lenses read.
func TestTimeOutIsNotRemembered(t *testing.T) {
	def := slowRepo(t)
	c := mustEditor(engine.New(engine.Options{MemBytes: 1 << 20}))
	c.eval.timeout = time.Nanosecond
	ds, err := c.Check(context.Background(), def, readerSource(os.ReadFile))
	if err != nil || !timedOutDiags(ds) {
		t.Fatalf("a check out of time: %v, %v", ds, err)
	}
	if _, _, err := c.Build(context.Background(), def, readerSource(os.ReadFile)); err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("a build out of time: %v", err)
	}
	c.eval.timeout = 0
	ds, err = c.Check(context.Background(), def, readerSource(os.ReadFile))
	if err != nil || ds.HasErrors() {
		t.Errorf("the check after a time-out: %v, %v", ds, err)
	}
	if res, files, err := c.Build(context.Background(), def, readerSource(os.ReadFile)); err != nil || res == nil || files == nil {
		t.Errorf("the build after a time-out: %v", err)
	}
	// A cancelled request's build is not remembered either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Reload()
	if _, _, err := c.Build(ctx, def, readerSource(os.ReadFile)); err == nil {
		t.Fatal("a cancelled build succeeded")
	}
	if _, _, err := c.Build(context.Background(), def, readerSource(os.ReadFile)); err != nil {
		t.Errorf("the build after a cancelled one: %v", err)
	}
}
