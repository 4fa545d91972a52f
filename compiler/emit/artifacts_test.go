package emit_test

import (
	"flag"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// The reference example has every output: spec.build, an SLA with
// metrics, environments.
const reference = "../../examples/reference/kiln.yaml"

// buildReference builds the reference example with the SOPS Secret of
// the configured one, so that every path of every output is written.
func buildReference(t *testing.T, sel build.Artifacts) *build.Result {
	return buildtest.Build(t, reference, nil, build.Options{Emit: sel, Dir: "../../examples/configured"}, func(a *app.App) {
		a.Spec.SOPSSecrets = []string{"secrets/pricing-api.sops.yaml"}
	})
}

func TestRegistryEntriesAreComplete(t *testing.T) {
	names, tests := map[string]bool{}, map[string]bool{}
	for _, a := range emit.Registry() {
		if a.Name == "" || names[a.Name] {
			t.Errorf("output name %q is empty or not unique", a.Name)
		}
		names[a.Name] = true
		if tests[a.TestName()] {
			t.Errorf("config tests' artifact name %q is not unique", a.TestName())
		}
		tests[a.TestName()] = true
		if a.Description == "" || strings.Contains(a.Description, "\n") {
			t.Errorf("%s: the description is not one line: %q", a.Name, a.Description)
		}
		if a.Select == nil || a.Selected == nil || a.Files == nil || a.Documents == nil {
			t.Errorf("%s: Select, Selected, Files and Documents are all needed", a.Name)
			continue
		}
		if !slices.Contains(a.Paths, a.Show) || a.Title == "" {
			t.Errorf("%s: the language server shows %q, which is none of its paths %v, or has no title", a.Name, a.Show, a.Paths)
		}
		perEnv := slices.ContainsFunc(a.Paths, func(p string) bool { return strings.Contains(p, "<env>") })
		if perEnv != a.PerEnv {
			t.Errorf("%s: PerEnv is %v, but its paths are %v", a.Name, a.PerEnv, a.Paths)
		}
		// Selecting one output selects it alone.
		var sel build.Artifacts
		a.Select(&sel)
		for _, b := range emit.Registry() {
			if b.Selected(sel) != (a.Name == b.Name) {
				t.Errorf("selecting %s: %s selected = %v", a.Name, b.Name, b.Selected(sel))
			}
		}
	}
}

// --emit NAME writes exactly NAME's files, none of another output's.
func TestEmitEachName(t *testing.T) {
	all, err := emit.Parse(strings.Join(emit.Names(), ","))
	if err != nil {
		t.Fatal(err)
	}
	want, err := emit.Files(buildReference(t, all))
	if err != nil {
		t.Fatal(err)
	}
	union := map[string][]byte{}
	for _, a := range emit.Registry() {
		if a.Across { // built by the workspace, across apps (workspace/team.go)
			continue
		}
		sel, err := emit.Parse(a.Name)
		if err != nil {
			t.Fatal(err)
		}
		files, err := emit.Files(buildReference(t, sel))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Errorf("--emit %s writes nothing", a.Name)
		}
		for name, b := range files {
			for _, o := range emit.Registry() {
				if o.Owns(name) != (o.Name == a.Name) {
					t.Errorf("--emit %s writes %s; %s owns it: %v", a.Name, name, o.Name, o.Owns(name))
				}
			}
			union[name] = b
		}
		// Every path the entry declares is written, per environment when
		// it names one.
		for _, p := range a.Paths {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(files)), func(name string) bool {
				return (emit.Artifact{Paths: []string{p}}).Owns(name)
			}) {
				t.Errorf("--emit %s writes no file for its path %s", a.Name, p)
			}
		}
	}
	// All at once, every file is one output's. (The files are not those
	// of the outputs one by one: with slo, the manifests hold the SLO
	// objects too.)
	for name := range want {
		owners := 0
		for _, o := range emit.Registry() {
			if o.Owns(name) {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("%s is written by %d outputs", name, owners)
		}
	}
	for name := range union {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is written by one output alone but not with all of them", name)
		}
	}
}

func TestParse(t *testing.T) {
	got, err := emit.Parse(" k8s, ,slo,")
	if err != nil || got != (build.Artifacts{K8s: true, SLO: true}) {
		t.Errorf("Parse: %+v, %v", got, err)
	}
	if got, err := emit.Parse(""); err != nil || got != (build.Artifacts{}) {
		t.Errorf("Parse of nothing: %+v, %v", got, err)
	}
	def, err := emit.Parse(strings.Join(emit.DefaultNames(), ","))
	if err != nil || def != emit.Default() || def == (build.Artifacts{}) {
		t.Errorf("the default names parse to %+v (%v), Default is %+v", def, err, emit.Default())
	}
	_, err = emit.Parse("k8s,helmet")
	if err == nil {
		t.Fatal("an unknown output is accepted")
	}
	if want := `unknown output "helmet" (valid: ` + strings.Join(emit.Names(), ", ") + ")"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	for _, name := range emit.Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not list %s: %v", name, err)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, a := range emit.Registry() {
		if b, ok := emit.Lookup(a.Name); !ok || b.Name != a.Name {
			t.Errorf("Lookup(%s) = %s, %v", a.Name, b.Name, ok)
		}
		if b, ok := emit.LookupTest(a.TestName()); ok != !a.Across || ok && b.Name != a.Name {
			t.Errorf("LookupTest(%s) = %s, %v", a.TestName(), b.Name, ok)
		}
	}
	if _, ok := emit.Lookup("manifests"); ok {
		t.Error("--emit takes the config tests' name manifests")
	}
	if _, ok := emit.LookupTest("k8s"); ok {
		t.Error("artifact: takes --emit's name k8s")
	}
}

func TestLens(t *testing.T) {
	k8s, _ := emit.Lookup("k8s")
	if title, ok := k8s.Lens("rendered/prod.yaml"); !ok || title != "manifests: prod" {
		t.Errorf("lens of rendered/prod.yaml: %q, %v", title, ok)
	}
	if _, ok := k8s.Lens("base/kustomization.yaml"); ok {
		t.Error("the kustomize base has a lens")
	}
	helm, _ := emit.Lookup("helm")
	if _, ok := helm.Lens("helm/values-prod.yaml"); ok {
		t.Error("an environment's Helm values have a lens")
	}
}

var update = flag.Bool("update", false, "rewrite docs/outputs.md")

// TestOutputsDocUpToDate keeps docs/outputs.md equal to the registry;
// make docs rewrites it.
func TestOutputsDocUpToDate(t *testing.T) {
	const name = "../../docs/outputs.md"
	got := emit.Reference()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil || string(want) != got {
		t.Fatal("docs/outputs.md is stale: it differs from what the registry of outputs generates; run: make docs")
	}
}
