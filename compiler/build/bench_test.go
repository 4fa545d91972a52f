package build_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/appgen"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// BenchmarkBuild measures the whole path from bytes to output files for one
// app (the reference example, two environments, a patch) and for 100
// generated apps, beside load+check alone as the baseline of the same run.
func BenchmarkBuild(b *testing.B) {
	ref, err := os.ReadFile("../../examples/reference/kiln.yaml")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var hundred [][]byte
	for i := range 100 {
		hundred = append(hundred, []byte(appgen.Random(r, i)))
	}
	s, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	v := validator(b)
	buildAll := func(b *testing.B, srcs [][]byte, full bool) {
		for _, src := range srcs {
			doc, _ := load.Load(source.NewFile("kiln.yaml", src), load.Options{})
			a, ds := check.Check(doc, s)
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			if !full {
				continue
			}
			res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true}})
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			if _, err := emit.Files(res); err != nil {
				b.Fatal(err)
			}
		}
	}
	buildAll(b, [][]byte{ref}, true) // compile the Kubernetes schemas once, as a process does
	b.Run("one-app/baseline=load+check", func(b *testing.B) {
		for b.Loop() {
			buildAll(b, [][]byte{ref}, false)
		}
	})
	b.Run("one-app/build", func(b *testing.B) {
		for b.Loop() {
			buildAll(b, [][]byte{ref}, true)
		}
	})
	b.Run("100-apps/baseline=load+check", func(b *testing.B) {
		for b.Loop() {
			buildAll(b, hundred, false)
		}
	})
	b.Run("100-apps/build", func(b *testing.B) {
		for b.Loop() {
			buildAll(b, hundred, true)
		}
	})
}

// BenchmarkEveryFeature builds one app with every field of the app model
// (a StatefulSet with a disk, named ports, probes and drain, a sidecar and
// an init container, files, external and SOPS secrets, pull secrets, two
// dependencies, namespaces, two environments) beside the minimal example,
// in the same run: what the app model costs an app that uses all of it.
func BenchmarkEveryFeature(b *testing.B) {
	s, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	v := validator(b)
	prepare := func(path string) func() {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		opts := build.Options{Validator: v, Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, Helm: true},
			Apps: buildtest.Finder(filepath.Dir(filepath.Dir(path))), Dir: filepath.Dir(path)}
		return func() {
			doc, _ := load.Load(source.NewFile(path, src), load.Options{})
			a, ds := check.Check(doc, s)
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			res, ds := build.Build(doc, a, opts)
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			if _, err := emit.Files(res); err != nil {
				b.Fatal(err)
			}
		}
	}
	minimal, every := prepare("../../examples/minimal/kiln.yaml"), prepare("testdata/everything/ledger/kiln.yaml")
	every() // compile the Kubernetes schemas and the CRDs once, as a process does
	b.Run("baseline=minimal", func(b *testing.B) {
		for b.Loop() {
			minimal()
		}
	})
	b.Run("every-feature", func(b *testing.B) {
		for b.Loop() {
			every()
		}
	})
}
