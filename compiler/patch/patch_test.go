package patch

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

func deployment(name string) compile.Object {
	return compile.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: name, Content: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"replicas": 2, "template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "app", "image": "nginx:1.27"}}}}},
	}}
}

// brief renders findings as "path line: message".
func brief(fs []compile.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %d: %s", strings.Join(f.Path, "."), f.Line, f.Message))
	}
	return out
}

// Every operation of a JSON patch that cannot be applied is reported, at
// its own line of the patch and in kiln's words; the ones that can are
// applied in turn, so later operations see what earlier ones did. (A
// replace of a missing field applies, as in kustomize, which adds it.)
func TestEveryFailingOperationIsReported(t *testing.T) {
	text := `- op: replace
  path: /spec/template/spec/nothere/x
  value: 3
- op: add
  path: /spec/replicas
  value: 4
- op: test
  path: /spec/replicas
  value: 5
- op: remov
  path: /spec/replicas
- op: add
  path: /spec/template/spec/containers/7
  value: {}
- op: replace
  path: /spec/paused
  value: true
- {op: add, value: 1}
- op: copy
  from: /spec/template/spec/containers/0/name
  path: /metadata/labels/app
- op: add
  path: spec/x
  value: 1
- op: test
  path: /spec/replicas/x
  value: 1
`
	objs := []compile.Object{deployment("a")}
	out, fs, err := Apply(objs, []app.Patch{{Target: app.PatchTarget{Kind: "Deployment"}, Patch: text}}, sourcemap.New())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`spec.patches.0.patch 1: operation 1 of the patch (replace /spec/template/spec/nothere/x) does not apply to Deployment/a: /spec/template/spec has no field "nothere"`,
		`spec.patches.0.patch 7: operation 3 of the patch (test /spec/replicas) does not apply to Deployment/a: the test fails: /spec/replicas is 4, not 5`,
		`spec.patches.0.patch 10: operation 4 of the patch has op "remov", which is not a JSON patch operation (add, remove, replace, move, copy, test); did you mean remove?`,
		`spec.patches.0.patch 12: operation 5 of the patch (add /spec/template/spec/containers/7) does not apply to Deployment/a: /spec/template/spec/containers has 1 item; add at an index from 0 to 1, or at - to append`,
		`spec.patches.0.patch 18: operation 7 of the patch has no path`,
		`spec.patches.0.patch 19: operation 8 of the patch (copy /metadata/labels/app) does not apply to Deployment/a: /metadata has no field "labels"`,
		`spec.patches.0.patch 22: operation 9 of the patch has path "spec/x", which is not a JSON pointer: it starts with /, as in /spec/replicas`,
		`spec.patches.0.patch 25: operation 10 of the patch (test /spec/replicas/x) does not apply to Deployment/a: /spec/replicas is a number, not an object or a list`,
	}
	if got := brief(fs); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if out[0].Content["spec"].(map[string]any)["replicas"] != 2 {
		t.Error("a patch with failing operations was applied in part")
	}
}

// An operation that fails on several targets is one finding naming them.
func TestOperationFailingOnSeveralTargets(t *testing.T) {
	objs := []compile.Object{deployment("a"), deployment("b")}
	b := objs[1].Content["spec"].(map[string]any)
	b["paused"] = false
	text := "- op: test\n  path: /spec/paused\n  value: false\n- op: remove\n  path: /spec/strategy\n"
	_, fs, err := Apply(objs, []app.Patch{{Target: app.PatchTarget{Kind: "Deployment"}, Patch: text}}, sourcemap.New())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`spec.patches.0.patch 1: operation 1 of the patch (test /spec/paused) does not apply to Deployment/a: /spec has no field "paused"`,
		`spec.patches.0.patch 4: operation 2 of the patch (remove /spec/strategy) does not apply to Deployment/a, Deployment/b: /spec has no field "strategy"`,
	}
	if got := brief(fs); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A patch that is not YAML is reported at the line YAML stops at.
func TestPatchSyntaxErrorAtItsLine(t *testing.T) {
	text := "- op: add\n  path: /spec/x\n  value: [1\n- op: remove\n"
	_, fs, err := Apply([]compile.Object{deployment("a")}, []app.Patch{{Target: app.PatchTarget{Kind: "Deployment"}, Patch: text}}, sourcemap.New())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Line == 0 || !strings.HasPrefix(fs[0].Message, "the patch is not valid YAML: ") || strings.Contains(fs[0].Message, "yaml:") {
		t.Errorf("got %q", brief(fs))
	}
}

// A patch that applies is applied whole.
func TestGoodPatchApplies(t *testing.T) {
	text := "- op: replace\n  path: /spec/replicas\n  value: 5\n- op: add\n  path: /spec/paused\n  value: true\n"
	out, fs, err := Apply([]compile.Object{deployment("a")}, []app.Patch{{Target: app.PatchTarget{Kind: "Deployment"}, Patch: text}}, sourcemap.New())
	if err != nil || len(fs) > 0 {
		t.Fatal(err, fs)
	}
	spec := out[0].Content["spec"].(map[string]any)
	if fmt.Sprint(spec["replicas"], spec["paused"]) != "5 true" {
		t.Errorf("spec = %v", spec)
	}
}

// A finding about a field a patch wrote lands on what wrote it.
func TestLineOfAField(t *testing.T) {
	ops := `- op: add
  path: /spec/replicas
  value: 3
- op: add
  path: /spec/template/spec/containers/-
  value: {name: side, image: x}
- op: replace
  path: /spec/template/spec/containers/0/securityContext
  value: {privileged: true}
`
	smp := `apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            privileged: true
`
	for _, tc := range []struct {
		text, field string
		want        int
	}{
		{ops, "spec.replicas", 1},
		{ops, "spec.template.spec.containers.1.name", 4},
		{ops, "spec.template.spec.containers.0.securityContext.privileged", 7},
		{ops, "spec.template.spec", 7}, // the last operation inside it
		{ops, "metadata.labels", 0},
		{smp, "spec.template.spec.containers.0.securityContext.privileged", 10},
		{smp, "spec.template.spec.containers.0.image", 7}, // the deepest key written
		{smp, "spec.strategy", 4},
		{"not: [yaml", "spec", 0},
	} {
		if got := Line(tc.text, strings.Split(tc.field, ".")); got != tc.want {
			t.Errorf("%s in %.20q: line %d, want %d", tc.field, tc.text, got, tc.want)
		}
	}
}
