package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
