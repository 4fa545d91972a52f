package cli

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
	c := newLSPChecker(eng, kube.Default())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Check(ctx, def, os.ReadFile); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled check answered %v", err)
	}
	if _, err := c.Check(context.Background(), def, os.ReadFile); err != nil {
		t.Fatal(err)
	}
	if hits, misses := eng.Stats(); hits != 0 || misses != 2 {
		t.Errorf("hits %d, misses %d: the abandoned check was stored", hits, misses)
	}
	if _, err := c.Check(context.Background(), def, os.ReadFile); err != nil {
		t.Fatal(err)
	}
	if hits, _ := eng.Stats(); hits != 1 {
		t.Errorf("an unchanged definition was not answered from memory (hits %d)", hits)
	}
}
