// Package buildtest builds an app definition for the tests of the packages
// that consume kiln's outputs (the chart, the catalog, the SLO rules, the
// Dockerfile), as kiln build does: load, check, build, failing the test on
// any error.
package buildtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

// Build builds the definition at path, src (read from path when nil),
// with opts; a nil opts.Validator validates against the newest Kubernetes
// version kiln bundles. edit, when not nil, changes the checked app first
// (to leave out what an output cannot express).
func Build(t testing.TB, path string, src []byte, opts build.Options, edit func(*app.App)) *build.Result {
	t.Helper()
	if src == nil {
		var err error
		if src, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Validator == nil {
		if opts.Validator, err = validate.For(""); err != nil {
			t.Fatal(err)
		}
	}
	doc, ds := load.Load(source.NewFile(path, src), load.Options{Root: filepath.Dir(path)})
	if ds.HasErrors() {
		t.Fatalf("%s: %v", path, ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatalf("%s: %v", path, ds)
	}
	if edit != nil {
		edit(a)
	}
	if opts.Apps == nil { // the apps it calls, beside it
		opts.Apps = Finder(filepath.Dir(filepath.Dir(path)))
	}
	res, ds := build.Build(doc, a, opts)
	if ds.HasErrors() {
		t.Fatalf("%s: %v", path, ds)
	}
	return res
}

// Finder finds the apps defined under root by name, for spec.dependsOn, as
// kiln finds a repository's: the tests' stand-in for the workspace.
func Finder(root string) build.AppFinder {
	return func(name string) (*app.App, error) {
		s, err := schema.Load()
		if err != nil {
			return nil, err
		}
		defs, err := discover.Find([]string{root})
		if err != nil {
			return nil, nil
		}
		for _, def := range defs {
			src, err := os.ReadFile(def)
			if err != nil {
				return nil, err
			}
			if doc, _ := load.Load(source.NewFile(def, src), load.Options{Root: filepath.Dir(def)}); doc != nil {
				if a, _ := check.Check(doc, s); a != nil && a.Metadata.Name == name {
					return a, nil
				}
			}
		}
		return nil, nil
	}
}
