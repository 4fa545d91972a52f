package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/schemas/kube"
)

// A check the editor abandoned (a newer keystroke) answers the context's
// error and stores nothing: the next check of the same text computes.
func TestAbandonedCheckIsNotStored(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	def := filepath.Join(dir, "kiln.yaml")
	os.WriteFile(def, []byte("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: team-a}\nspec:\n  image: ghcr.io/a/a:1.0.0\n  port: 8080\n  environments: {staging: {}, prod: {}}\n"), 0o644)
	eng := engine.New(engine.Options{MemBytes: 1 << 20})
	c := mustEditor(eng)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Check(ctx, def, readerSource(os.ReadFile)); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled check answered %v", err)
	}
	if _, err := c.Check(context.Background(), def, readerSource(os.ReadFile)); err != nil {
		t.Fatal(err)
	}
	// The cancelled check never ran (Stage.Do answers an ended context
	// at once); the next one computed.
	if hits, misses := eng.Stats(); hits != 0 || misses != 1 {
		t.Errorf("hits %d, misses %d: the abandoned check was stored", hits, misses)
	}
	if _, err := c.Check(context.Background(), def, readerSource(os.ReadFile)); err != nil {
		t.Fatal(err)
	}
	if hits, _ := eng.Stats(); hits != 1 {
		t.Errorf("an unchanged definition was not answered from memory (hits %d)", hits)
	}
}

// In the editor, a keystroke in a test file re-runs that file, not the
// app's build: the app's result comes from memory.
func TestTestFileEditReRunsOnlyTheTests(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	def := filepath.Join(dir, "kiln.yaml")
	os.WriteFile(def, []byte("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: team-a}\nspec:\n  image: ghcr.io/a/a:1.0.0\n  port: 8080\n"), 0o644)
	test := filepath.Join(dir, "kiln_test.yaml")
	os.WriteFile(test, []byte("suite: a\ntests:\n  - it: one replica\n    asserts:\n      - equal: {path: spec.replicas, value: 1}\n        kind: Deployment\n"), 0o644)
	eng := engine.New(engine.Options{MemBytes: 1 << 20})
	c := mustEditor(eng)
	buffer := ""
	read := func(name string) ([]byte, error) {
		if name == test && buffer != "" {
			return []byte(buffer), nil
		}
		return os.ReadFile(name)
	}
	counts := func(wantHits, wantMisses int64) {
		t.Helper()
		if hits, misses := eng.Stats(); hits != wantHits || misses != wantMisses {
			t.Errorf("hits %d, misses %d; want %d, %d", hits, misses, wantHits, wantMisses)
		}
	}
	ds, err := c.Check(context.Background(), def, readerSource(read))
	if err != nil || ds.HasErrors() {
		t.Fatalf("%v %v", ds, err)
	}
	counts(0, 2) // the app, its test file
	buffer = "suite: a\ntests:\n  - it: two replicas\n    asserts:\n      - equal: {path: spec.replicas, value: 2}\n        kind: Deployment\n"
	ds, err = c.Check(context.Background(), def, readerSource(read))
	if err != nil || !ds.HasErrors() {
		t.Fatalf("the edited, failing test buffer was not run: %v %v", ds, err)
	}
	counts(1, 3) // the app from memory; the test file again
	c.Check(context.Background(), def, readerSource(read))
	counts(3, 3)
}

// mustEditor is the language server's engine over eng, validating
// against the default Kubernetes version.
func mustEditor(eng *engine.Engine) *Editor {
	e, err := NewEditor(EditorOptions{KubeVersion: kube.Default(), Cache: eng})
	if err != nil {
		panic(err)
	}
	return e
}

// countingSource reads the disk and counts what it reads and walks.
type countingSource struct {
	mu    sync.Mutex
	reads map[string]int
	walks []string          // the roots walked
	over  map[string]string // buffers
}

func newCountingSource() *countingSource {
	return &countingSource{reads: map[string]int{}, over: map[string]string{}}
}

func (c *countingSource) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	c.reads[name]++
	b, ok := c.over[name]
	c.mu.Unlock()
	if ok {
		return []byte(b), nil
	}
	return os.ReadFile(name)
}

func (c *countingSource) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (c *countingSource) WalkDir(root string, fn fs.WalkDirFunc) error {
	c.mu.Lock()
	c.walks = append(c.walks, root)
	c.mu.Unlock()
	return filepath.WalkDir(root, fn)
}

// walkedBeyond reports whether a directory other than def's own (where
// its test files are) was walked.
func (c *countingSource) walkedBeyond(def string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.walks, func(root string) bool { return root != filepath.Dir(def) })
}

// definitionsRead lists the definitions read other than def's (that
// exist: a conventional place looked at and empty is no definition).
func (c *countingSource) definitionsRead(def string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for name := range c.reads {
		if _, err := os.Stat(name); err == nil && filepath.Base(name) == "kiln.yaml" && name != def {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// peerRepo writes a repository of n apps, app-0 to app-<n-1>, each in
// apps/<index>, a directory that is not named after it; the app opened
// depends on app-1, and has a test file, when depends is set.
func peerRepo(t *testing.T, n int, depends bool) (root, def string) {
	root = t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	for i := range n {
		dir := filepath.Join(root, "apps", fmt.Sprintf("%04d", i))
		os.MkdirAll(dir, 0o755)
		text := fmt.Sprintf("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: app-%d, owner: team-a}\nspec:\n  image: ghcr.io/a/a:1.0.0\n  port: 8080\n", i)
		if i == 0 && depends { // and a test, whose cases build the app again
			text += "  dependsOn: [{app: app-1}]\n"
			test := "tests:\n  - it: has one Deployment\n    asserts:\n      - hasDocuments: {count: 1}\n        kind: Deployment\n"
			if err := os.WriteFile(filepath.Join(dir, "kiln_test.yaml"), []byte(test), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "kiln.yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, filepath.Join(root, "apps", "0000", "kiln.yaml")
}

// The editor answers for the open app without loading the other apps of
// its repository: an app without dependencies reads no other definition
// and walks nothing, whatever the repository's size.
func TestEditorChecksTheOpenAppAlone(t *testing.T) {
	_, def := peerRepo(t, 40, false)
	c := mustEditor(engine.New(engine.Options{MemBytes: 1 << 20}))
	src := newCountingSource()
	if _, err := c.Check(context.Background(), def, src); err != nil {
		t.Fatal(err)
	}
	if other := src.definitionsRead(def); len(other) > 0 || src.walkedBeyond(def) {
		t.Errorf("checking one app read %d other definitions %v and walked %v", len(other), other, src.walks)
	}
}

// An app whose dependency is not where dependencies usually are searches
// its repository once in a session: after an edit, the editor loads the
// dependency where it found it, and reads nothing else.
func TestEditorRemembersWhereADependencyIs(t *testing.T) {
	root, def := peerRepo(t, 40, true)
	callee := filepath.Join(root, "apps", "0001", "kiln.yaml")
	c := mustEditor(engine.New(engine.Options{MemBytes: 1 << 20}))
	first := newCountingSource()
	ds, err := c.Check(context.Background(), def, first)
	if err != nil {
		t.Fatal(err)
	}
	if ds.HasErrors() {
		t.Fatalf("the dependency was not found: %v", ds)
	}
	if !first.walkedBeyond(def) {
		t.Fatal("the first check found the dependency without searching: the test's layout is conventional")
	}
	text, _ := os.ReadFile(def)
	edited := newCountingSource()
	edited.over[def] = string(text) + "# an edit\n"
	if ds, err = c.Check(context.Background(), def, edited); err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	if got := edited.definitionsRead(def); edited.walkedBeyond(def) || !slices.Equal(got, []string{callee}) {
		t.Errorf("after an edit: walked %v, definitions read %v; want none, and %s", edited.walks, got, callee)
	}
}
