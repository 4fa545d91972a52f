package guard_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/appgen"
)

// BenchmarkLoad measures parsing and compiling the built-in rules, the
// fixed cost of every cold run.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, ds := guard.Load(context.Background(), guard.Options{}); len(ds) > 0 {
			b.Fatal(ds)
		}
	}
}

// BenchmarkEval measures the built-in rules over every environment of 20
// generated apps, as kiln check gives them: the app, its objects and the
// run's context.
func BenchmarkEval(b *testing.B) {
	bundle, ds := guard.Load(context.Background(), guard.Options{})
	if len(ds) > 0 {
		b.Fatal(ds)
	}
	evalEach(b, bundle, appInputs(b, 20))
}

// BenchmarkEvalInventory measures the built-in rules as kiln lint runs
// them over the rendered manifests of 20 generated apps: each
// environment's objects as one plain file, judged with the inventory of
// them all.
func BenchmarkEvalInventory(b *testing.B) {
	bundle, ds := guard.Load(context.Background(), guard.Options{})
	if len(ds) > 0 {
		b.Fatal(ds)
	}
	inputs := appInputs(b, 20)
	var all []map[string]any
	for _, in := range inputs {
		all = append(all, in.Objects...)
	}
	inv := guard.NewInventory(all, nil)
	for i, in := range inputs {
		inputs[i] = guard.Input{Environment: "default", Objects: in.Objects, Inventory: inv,
			Context: guard.Context{Environment: "default", KubernetesVersion: in.Context.KubernetesVersion}}
	}
	evalEach(b, bundle, inputs)
}

// evalEach times the bundle over every input, and reports the CPU time
// per op beside the wall time: on a shared machine the wall time counts
// the time waited for a core, the process's CPU time (GC's included)
// does not.
func evalEach(b *testing.B, bundle *guard.Bundle, inputs []guard.Input) {
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := bundle.Eval(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appInputs builds n generated apps and returns the input of each of
// their environments.
func appInputs(tb testing.TB, n int) []guard.Input {
	s, err := schema.Load()
	if err != nil {
		tb.Fatal(err)
	}
	v, err := validate.For("")
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 1000))
	var out []guard.Input
	for i := range n {
		src := appgen.RandomWith(r, i, appgen.Options{})
		doc, _ := load.Load(source.NewFile("kiln.yaml", []byte(src)), load.Options{})
		a, ds := check.Check(doc, s)
		if ds.HasErrors() {
			tb.Fatal(ds)
		}
		res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true}})
		if ds.HasErrors() {
			tb.Fatal(ds)
		}
		raw, err := json.Marshal(a)
		if err != nil {
			tb.Fatal(err)
		}
		var appData any
		if err := json.Unmarshal(raw, &appData); err != nil {
			tb.Fatal(err)
		}
		for _, env := range res.Envs {
			name := env.Name
			if name == "" {
				name = "default"
			}
			in := guard.Input{App: appData, Environment: name, Context: guard.Context{
				Environment: name, Production: slices.Contains([]string{"prod", "production"}, name),
				KubernetesVersion: v.Version(), App: a.Metadata.Name, Owner: a.Metadata.Owner}}
			for _, o := range env.Objects {
				in.Objects = append(in.Objects, o.Content)
			}
			out = append(out, in)
		}
	}
	return out
}
