package build_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kilnhq/kiln/compiler/apptest"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// TestEveryStageSaysWhatItsDiagnosticsMean walks diagnostics of every
// stage, from input it cannot use and from input it can, and checks each
// carries the Kind the stage means: none is left unclassified, which the
// reports would take for "could not check".
func TestEveryStageSaysWhatItsDiagnosticsMean(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := func(stage string, ds diag.List, kind diag.Kind) {
		t.Helper()
		if len(ds) == 0 {
			t.Errorf("%s: no diagnostics to look at", stage)
		}
		for _, d := range ds {
			if d.Kind != kind {
				t.Errorf("%s: %s %q has kind %q, want %q", stage, d.Code, d.Message, d.Kind, kind)
			}
		}
	}
	_, ds := load.Load(source.NewFile("kiln.yaml", []byte("a: [\n")), load.Options{})
	want("load", ds, diag.Input)

	doc, _ := load.Load(source.NewFile("kiln.yaml", []byte("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: shop, owner: team-a}\nspec: {image: nginx:1.27, prot: 80}\n")), load.Options{})
	_, ds = check.Check(doc, s)
	want("check", ds, diag.Input)

	_, ds = config.Parse(source.NewFile(".kiln/config.yaml", []byte("severity: {x: loud}\n")), ".")
	want("config", ds, diag.Input)

	_, ds = guard.Load(context.Background(), guard.Options{NoBuiltin: true, Dirs: []guard.Dir{{Name: "policy", FS: fstest.MapFS{"a.rego": {Data: []byte("package kiln.rules.x\nallow if {\n")}}}}})
	want("guard", ds, diag.Input)

	_, ds = dockerfile.Parse(source.NewFile("Dockerfile", []byte("FROM alpine\nRUN <<EOF\n")))
	want("dockerfile", ds, diag.Input)

	_, ds = apptest.Parse(source.NewFile("kiln_test.yaml", []byte("cases: 3\n")))
	want("apptest", ds, diag.Input)

	// kiln lint: a file that holds no object is input it cannot use; a
	// schema violation of an object and a guardrail's verdict are findings.
	_, ds = lint.File(source.NewFile("deploy.yaml", []byte("- 1\n")), lint.Options{Validator: validator(t)})
	want("lint (not an object)", ds, diag.Input)
	_, ds = lint.File(source.NewFile("deploy.yaml", []byte(deployment)), lint.Options{Validator: validator(t), Policy: builtin(t)})
	want("lint (findings)", ds, diag.Finding)

	// The build: a patch that cannot apply is input kiln cannot use; a
	// guardrail's verdict and a validation finding are findings.
	bundle := builtin(t)
	built := func(src string) diag.List {
		doc, ds := load.Load(source.NewFile("kiln.yaml", []byte(src)), load.Options{})
		a, more := check.Check(doc, s)
		if ds = append(ds, more...); ds.HasErrors() {
			t.Fatal(ds)
		}
		_, ds = build.Build(doc, a, build.Options{Validator: validator(t), Policy: bundle})
		return ds
	}
	ds = built(app + "  patches:\n    - target: {kind: Deployment}\n      patch: |-\n        - op: remove\n          path: /spec/nothing\n")
	want("build (patch)", slices.DeleteFunc(ds, func(d diag.Diagnostic) bool { return d.Code != "build/patch" }), diag.Input)
	if !slices.ContainsFunc(ds, build.IsBadInput) {
		t.Errorf("a patch that cannot apply is bad input: %v", ds)
	}
	ds = built(app + "  environments:\n    staging: {image: nginx:latest}\n    prod: {}\n")
	want("build (guardrails)", ds, diag.Finding)
	if slices.ContainsFunc(ds, build.IsBadInput) {
		t.Errorf("findings are no bad input: %v", ds)
	}
}

// TestEnvironmentsOfAFinding: a finding only some environments have
// names them in Environments, not in its message; one all of them have
// names none.
func TestEnvironmentsOfAFinding(t *testing.T) {
	s, _ := schema.Load()
	bundle, ds := guard.Load(context.Background(), guard.Options{})
	if ds != nil {
		t.Fatal(ds)
	}
	doc, _ := load.Load(source.NewFile("kiln.yaml", []byte(app+"  environments:\n    staging: {image: nginx:latest}\n    prod: {}\n    dev: {image: nginx:latest}\n")), load.Options{})
	a, _ := check.Check(doc, s)
	_, ds = build.Build(doc, a, build.Options{Validator: validator(t), Policy: bundle})
	var some, all int
	for _, d := range ds {
		switch {
		case d.Code == "sla-declared" && d.Severity == diag.Warning:
			some++
			if !slices.Equal(d.Environments, []string{"dev", "staging"}) || d.EnvironmentsSuffix() != " (environments dev, staging)" {
				t.Errorf("sla-declared: environments %v", d.Environments)
			}
		case d.Environments == nil:
			all++
		}
		if d.EnvironmentsSuffix() != "" && strings.HasSuffix(d.Message, d.EnvironmentsSuffix()) {
			t.Errorf("%s: the message names environments: %q", d.Code, d.Message)
		}
	}
	if some != 1 || all == 0 {
		t.Errorf("sla-declared for dev and staging %d times, %d findings of every environment: %v", some, all, ds)
	}
}

func builtin(t *testing.T) *guard.Bundle {
	b, ds := guard.Load(context.Background(), guard.Options{})
	if ds != nil {
		t.Fatal(ds)
	}
	return b
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`

const app = "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: shop, owner: team-a}\nspec:\n  image: ghcr.io/a/shop:1.0.0\n  port: 8080\n  env: {API_TOKEN: abc123}\n"
