package dashboard_test

import (
	"os"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

// BenchmarkBuild measures what the dashboard output costs: building the
// reference example (two environments) to its files with the manifests
// alone, with the slo output, and with the dashboard output (which builds
// the SLO rules too), in the same run. Guardrails are left out: they do
// not depend on the outputs.
func BenchmarkBuild(b *testing.B) {
	src, err := os.ReadFile("../../examples/reference/kiln.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	v, err := validate.For("")
	if err != nil {
		b.Fatal(err)
	}
	doc, _ := load.Load(source.NewFile("kiln.yaml", src), load.Options{})
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	run := func(b *testing.B, outputs string) {
		sel, err := emit.Parse(outputs)
		if err != nil {
			b.Fatal(err)
		}
		res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: sel})
		if ds.HasErrors() {
			b.Fatal(ds)
		}
		if _, err := emit.Files(res); err != nil {
			b.Fatal(err)
		}
	}
	run(b, "k8s,dashboard") // compile the schemas once, as a process does
	for _, outputs := range []string{"k8s", "k8s,slo", "k8s,dashboard", "dashboard"} {
		b.Run(outputs, func(b *testing.B) {
			for b.Loop() {
				run(b, outputs)
			}
		})
	}
}
