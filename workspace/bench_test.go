package workspace_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/internal/appgen"
	"github.com/kilnhq/kiln/workspace"
)

// BenchmarkCheckWarm is kiln check of 200 generated apps with nothing
// changed since the last check: each iteration opens the workspace and
// an engine on the same cache directory afresh, as a new process would
// (less the process's start).
func BenchmarkCheckWarm(b *testing.B) {
	root := b.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	r := rand.New(rand.NewPCG(7, 200))
	for i := range 200 {
		dir := filepath.Join(root, "apps", fmt.Sprintf("app%04d", i))
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "kiln.yaml"), []byte(appgen.RandomWith(r, i, appgen.Options{DependsOn: true})), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cacheDir := b.TempDir()
	check := func() *workspace.CheckResult {
		w, err := workspace.Open(context.Background(), workspace.Options{Dir: root, Cache: engine.New(engine.Options{Dir: cacheDir}), LazyPolicies: true})
		if err != nil {
			b.Fatal(err)
		}
		res, err := w.Check(context.Background(), []string{root}, workspace.CheckOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	check() // cold: fills the cache
	b.ResetTimer()
	for b.Loop() {
		if res := check(); res.Misses != 0 {
			b.Fatalf("a warm run missed %d apps", res.Misses)
		}
	}
}
