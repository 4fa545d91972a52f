package build_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

// buildWith builds src with v, which the caller made for itself so that
// its counts are this test's alone.
func buildWith(t *testing.T, v *validate.Validator, src string) (*build.Result, diag.List) {
	t.Helper()
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := load.Load(source.NewFile("kiln.yaml", []byte(src)), load.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true}})
	if res == nil {
		t.Fatal(ds)
	}
	return res, ds
}

func freshValidator(t *testing.T) *validate.Validator {
	v, err := validate.New("")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// built returns every object a build validated, the base's and each
// environment's, and how many of them differ in content.
func built(t *testing.T, res *build.Result) (all, distinct int) {
	seen := map[string]bool{}
	for _, env := range append([]build.Env{res.Base}, res.Envs...) {
		for _, o := range env.Objects {
			b, err := json.Marshal(o.Content)
			if err != nil {
				t.Fatal(err)
			}
			all++
			seen[o.APIVersion+"\x00"+o.Kind+"\x00"+string(b)] = true
		}
	}
	return all, len(seen)
}

// Three environments that differ in one variable share every object but
// the Deployment: a build validates each distinct object once, and a
// second build of the same app in the same process validates none.
func TestBuildValidatesSharedObjectsOnce(t *testing.T) {
	const src = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: shared, owner: t}
spec:
  image: nginx:1.27
  port: 8080
  scaling: {min: 2, max: 4}
  ingress: {host: shared.example.com}
  env:
    LOG_LEVEL: info
  environments:
    dev:
      env: {LOG_LEVEL: debug}
    qa:
      env: {LOG_LEVEL: warn}
    staging:
      env: {LOG_LEVEL: error}
`
	v := freshValidator(t)
	res, ds := buildWith(t, v, src)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	all, distinct := built(t, res)
	perEnv := len(res.Base.Objects)
	// The base and three environments, of which only the Deployments
	// differ.
	if all != 4*perEnv || distinct != perEnv+3 || perEnv < 5 {
		t.Fatalf("%d objects, %d distinct, %d per environment: the app no longer shares what this test is about", all, distinct, perEnv)
	}
	if got := v.Stats(); got.Validated != uint64(distinct) || got.Reused != uint64(all-distinct) {
		t.Errorf("one build: %+v, want %d validated and %d reused", got, distinct, all-distinct)
	}
	again, ds2 := buildWith(t, v, src)
	if got := v.Stats(); got.Validated != uint64(distinct) || got.Reused != uint64(2*all-distinct) {
		t.Errorf("after a second build: %+v, want %d validated and %d reused", got, distinct, 2*all-distinct)
	}
	if fmt.Sprint(ds) != fmt.Sprint(ds2) {
		t.Errorf("the second build reports otherwise:\n%v\nthen\n%v", ds, ds2)
	}
	for i, env := range again.Envs {
		for j, o := range env.Objects {
			a, _ := json.Marshal(o.Content)
			b, _ := json.Marshal(res.Envs[i].Objects[j].Content)
			if string(a) != string(b) {
				t.Errorf("%s %s differs between the two builds", env.Name, o.Key())
			}
		}
	}
}

// An object one environment changes is validated in that environment and
// its violation is reported there, while the environments that share the
// valid one stay quiet.
func TestBuildValidatesWhatAnEnvironmentChanges(t *testing.T) {
	// The patch copies the Ingress host into a label, which fits only
	// while the host is at most 63 characters: prod's is longer.
	const src = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: differ, owner: t}
spec:
  image: nginx:1.27
  port: 8080
  ingress: {host: differ.example.com}
  environments:
    dev: {}
    qa: {}
    prod:
      ingress: {host: a-rather-long-host-name-for-one-environment.only-in-production.example.com}
  patches:
    - target: {kind: Ingress}
      patch: |-
        - op: copy
          from: /spec/rules/0/host
          path: /metadata/labels/host
`
	v := freshValidator(t)
	res, ds := buildWith(t, v, src)
	var kube diag.List
	for _, d := range ds {
		if strings.HasPrefix(d.Code, "kube/") {
			kube = append(kube, d)
		}
	}
	if len(kube) != 1 {
		t.Fatalf("want one Kubernetes violation, got:\n%v", ds)
	}
	d := kube[0]
	line, _ := d.Pos.LineCol()
	if !strings.Contains(d.Message, "Ingress/differ would be rejected by Kubernetes") ||
		!strings.Contains(d.Message, `metadata.labels: "host": must be no more than 63`) || !slices.Equal(d.Environments, []string{"prod"}) || line != 16 {
		t.Errorf("got %s (line %d, environments %v), want prod's label at the patch's copy, line 16, in prod alone", d.Message, line, d.Environments)
	}
	all, distinct := built(t, res)
	if got := v.Stats(); got.Validated != uint64(distinct) || got.Reused != uint64(all-distinct) {
		t.Errorf("%+v, want %d validated and %d reused", got, distinct, all-distinct)
	}
}
