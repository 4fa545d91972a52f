package lsp

import (
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// Every output of kiln's registry has a code lens once it is built, and
// the lenses come in path order.
func TestEveryOutputHasALens(t *testing.T) {
	all, err := emit.Parse(strings.Join(emit.Names(), ","))
	if err != nil {
		t.Fatal(err)
	}
	// The reference example has every output: spec.build, an SLA, environments.
	res := buildtest.Build(t, "../examples/reference/kiln.yaml", nil, build.Options{Emit: all}, nil)
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	vs := views(files)
	var titles []string
	for _, v := range vs {
		titles = append(titles, v.title)
		if _, ok := files[v.path]; !ok {
			t.Errorf("lens %q shows %s, which was not built", v.title, v.path)
		}
	}
	for _, a := range emit.Registry() {
		if a.Across { // no app's build holds it: nothing of it to show beside one definition
			continue
		}
		if !slices.ContainsFunc(vs, func(v view) bool { return a.Owns(v.path) }) {
			t.Errorf("output %s has no code lens: %v", a.Name, titles)
		}
	}
	if !slices.IsSortedFunc(vs, func(a, b view) int { return strings.Compare(a.path, b.path) }) {
		t.Errorf("lenses out of path order: %q", titles)
	}
	for _, want := range []string{"manifests: prod", "manifests: staging", "Dockerfile", "helm/values.yaml"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no lens %q: %q", want, titles)
		}
	}
}
