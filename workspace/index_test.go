package workspace

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/engine"
)

const indexedApp = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: NAME, owner: team-a}
spec:
  image: ghcr.io/a/NAME:1.0.0
  port: 8080
`

// indexRepo is a repository of two apps, and a function that checks it
// through an engine on dir with the debug settings given.
func indexRepo(t *testing.T) (root string, check func(dir, debug string) *CheckResult) {
	root = t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	for _, n := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(root, n), 0o755)
		os.WriteFile(filepath.Join(root, n, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", n)), 0o644)
	}
	return root, func(dir, debug string) *CheckResult {
		t.Helper()
		eng := engine.New(engine.Options{Dir: dir, Debug: debug})
		w, err := Open(context.Background(), Options{Dir: root, Cache: eng, LazyPolicies: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := w.Check(context.Background(), []string{root}, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// indexOf opens the index a check of root reads.
func indexOf(t *testing.T, dir, root string) *checkIndex {
	t.Helper()
	x := openCheckIndex(engine.New(engine.Options{Debug: noVerify, Dir: dir}), []string{root}, Shard{})
	if x == nil {
		t.Fatal("no index without a disk cache")
	}
	return x
}

// A warm run is answered by the index, not an entry per app, with what
// the engine answered; an app changed since is asked of the engine.
func TestCheckIndexAnswersAWarmRun(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	cold := check(dir, noVerify)
	if cold.Misses != 2 {
		t.Fatalf("cold: %d hits, %d misses", cold.Hits, cold.Misses)
	}
	x := indexOf(t, dir, root)
	if len(x.old) != 2 {
		t.Fatalf("the index holds %d results, want 2", len(x.old))
	}
	// Leave the index alone: only it can answer.
	h := hex.EncodeToString(x.id[:])
	keep := filepath.Join(dir, h[:2], h+"-a")
	names, _ := filepath.Glob(filepath.Join(dir, "*", "*-[ad]"))
	for _, n := range names {
		if n != keep {
			os.Remove(n)
		}
	}
	warm := check(dir, noVerify)
	if warm.Hits != 2 || warm.Misses != 0 {
		t.Fatalf("warm: %d hits, %d misses, want the index's 2 hits", warm.Hits, warm.Misses)
	}
	if findings(cold) != findings(warm) || len(cold.Files) != len(warm.Files) {
		t.Errorf("the index changed the result:\ncold %s\nwarm %s", findings(cold), findings(warm))
	}
	os.WriteFile(filepath.Join(root, "a", "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", "a")+"  replicas: 3\n"), 0o644)
	if r := check(dir, noVerify); r.Hits != 1 || r.Misses != 1 {
		t.Errorf("one app changed: %d hits, %d misses", r.Hits, r.Misses)
	}
}

// cacheverify recomputes what the index answers and fails the app whose
// indexed result differs from a fresh one.
func TestCheckIndexIsVerified(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	if r := check(dir, "cacheverify=1"); strings.Contains(findings(r), "cacheverify") {
		t.Fatalf("an index of fresh results fails cacheverify:\n%s", findings(r))
	}
	x := indexOf(t, dir, root)
	for id, r := range x.old {
		r.Considered = "another app" // what no computation of it gives
		x.keep(id, r, true)
	}
	x.close()
	if r := check(dir, noVerify); r.Hits != 2 {
		t.Fatalf("the tampered index did not answer: %d hits", r.Hits)
	}
	r := check(dir, "cacheverify=1")
	if got := strings.Count(findings(r), "cacheverify"); got != 2 {
		t.Errorf("cacheverify found %d stale results of 2:\n%s", got, findings(r))
	}
}

func findings(r *CheckResult) string {
	var b strings.Builder
	for _, d := range r.Diagnostics {
		b.WriteString(d.Code + ": " + d.Message + "\n")
	}
	return b.String()
}

// noVerify keeps a KILN_DEBUG=cacheverify=1 of the test run out of a test
// of the cache's hits themselves, which verification turns into
// recomputations.
const noVerify = "cacheverify=0"

// A result the engine refuses to store (here build/unknown-app, a result
// cut short: the app it depends on is missing) is not indexed either:
// the entry under its key is then an older result, and indexing this
// run's would answer every later run with it, also once the app it
// depends on is back under another directory.
func TestCheckIndexKeepsOnlyStoredResults(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	later := filepath.Join(root, "shop", "later")
	os.MkdirAll(later, 0o755)
	os.WriteFile(filepath.Join(later, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", "later")+"  dependsOn: [{app: ledger}]\n"), 0o644)
	ledger := []byte(strings.ReplaceAll(indexedApp, "NAME", "ledger"))
	place := func(dir string) {
		os.MkdirAll(filepath.Join(root, "deep", dir), 0o755)
		os.WriteFile(filepath.Join(root, "deep", dir, "kiln.yaml"), ledger, 0o644)
	}
	dir := t.TempDir()
	check := func() string {
		t.Helper()
		w, err := Open(context.Background(), Options{Dir: root, Cache: engine.New(engine.Options{Dir: dir, Debug: noVerify}), LazyPolicies: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := w.Check(context.Background(), []string{later}, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return findings(r)
	}
	place("a")
	if got := check(); strings.Contains(got, "build/unknown-app") {
		t.Fatalf("with its dependency in place:\n%s", got)
	}
	os.RemoveAll(filepath.Join(root, "deep", "a"))
	if got := check(); !strings.Contains(got, "build/unknown-app") {
		t.Fatalf("with its dependency gone:\n%s", got)
	}
	place("b")
	if got := check(); strings.Contains(got, "build/unknown-app") {
		t.Errorf("the dependency is back, under another directory, and the index still says:\n%s", got)
	}
}
