package guard

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kilnhq/kiln/compiler/workload"
)

// oddWorkloads are workloads as lib.rego meets them: every built-in kind,
// kinds of the repository (in their API group or any), custom resources
// that only claim a built-in kind, templates without a pod spec, labels
// that are null or absent, and containers without a name or not objects.
var oddWorkloads = []string{
	webDeployment,
	"kind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec: {containers: [{image: x}, {name: null}, {name: 3}, 7], initContainers: [{name: i}]}\n",
	"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: null}, spec: {containers: [{name: c}]}}}}}\n",
	"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {}}}\n",
	"apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: claims}\nspec: {template: {spec: {containers: [{name: x}]}}}\n",
	"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: nospec}\nspec: {template: {metadata: {labels: {a: b}}}}\n",
	"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: specstring}\nspec: {template: {spec: none}}\n",
	"apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: notemplate}\nspec: {selector: {matchLabels: {a: b}}}\n",
	"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {template: {spec: {containers: [{name: r}]}}}\n",
	"apiVersion: argoproj.io/v1beta1\nkind: Rollout\nmetadata: {name: r2}\nspec: {template: {spec: {containers: [{name: r}]}}}\n",
	"apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: kn}\nspec: {template: {spec: {containers: [{image: y}]}}}\n",
	"apiVersion: v1\nkind: Service\nmetadata: {name: plain}\nspec: {template: {spec: {containers: [{image: y}]}}}\n",
	"apiVersion: example.com/v1\nkind: Job\nmetadata: {name: ej}\nspec: {template: {spec: {containers: [{name: e}]}}}\n",
	"apiVersion: acme.dev/v1\nkind: Worker\nmetadata: {name: w}\nspec: {pod: {metadata: {labels: {w: w}}, spec: {containers: [{name: w}]}}}\n",
	"apiVersion: 5\nkind: Worker\nmetadata: {name: w5}\nspec: {pod: {spec: {containers: [{name: w}]}}}\n",
	"kind: Deployment\nmetadata: {name: noversion}\nspec: {template: {spec: {containers: []}}}\n",
	"kind: 7\nmetadata: {name: 7}\n",
	"metadata: {name: kindless}\n",
}

// repositoryKinds are kinds a repository adds: one in its API group, one
// in any, one replacing a built-in one's template.
var repositoryKinds = workload.Merge([]workload.Kind{
	{APIVersion: "acme.dev/v1", Kind: "Worker", Template: []string{"spec", "pod"}},
	{Kind: "Worker", Template: []string{"spec", "other"}},
	{Kind: "Job", Template: []string{"spec"}},
})

// TestWorkloadsValueIsLibWorkloads: the workloads and containers kiln
// gives as data.kiln.workloads and data.kiln.containers are what lib.rego
// computes without them, with kiln's kinds and a repository's.
func TestWorkloadsValueIsLibWorkloads(t *testing.T) {
	ts, err := objectTerms(objects(t, oddWorkloads...))
	if err != nil {
		t.Fatal(err)
	}
	compiler := libCompiler(t)
	for _, kinds := range [][]workload.Kind{nil, repositoryKinds} {
		ws := workloadsValue(ts, kinds)
		cs := containersValue(ws)
		if cs == nil {
			t.Fatal("containersValue left the containers to lib.rego")
		}
		if len(ws) < 8 {
			t.Fatalf("%d workloads: the test misses its point", len(ws))
		}
		sameInRego(t, compiler, ts, kinds, "workloads", workloadSet(ws))
		sameInRego(t, compiler, ts, kinds, "containers", cs)
	}
}

// TestContainersValueLeavesOddListsToRego: containers listed in an object
// or a string are left to lib.rego.
func TestContainersValueLeavesOddListsToRego(t *testing.T) {
	for _, list := range []string{"{a: {name: a}}", "x", "null"} {
		ts, err := objectTerms(objects(t, webDeployment, "kind: Pod\nmetadata: {name: p}\nspec: {initContainers: "+list+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if cs := containersValue(workloadsValue(ts, nil)); cs != nil {
			t.Errorf("initContainers: %s: containersValue gave %v", list, cs)
		}
	}
}

// sameInRego fails unless data.kiln.lib[rule] over the objects ts, with
// the workload kinds, is want. It compares in Rego: JSON would not tell
// a set from an array or a number key from a string.
func sameInRego(t *testing.T, compiler *ast.Compiler, ts []*ast.Term, kinds []workload.Kind, rule string, want ast.Value) {
	t.Helper()
	input := ast.NewObject(ast.Item(ast.StringTerm("objects"), ast.ArrayTerm(ts...)),
		ast.Item(ast.StringTerm("want"), ast.NewTerm(want)))
	if kinds != nil {
		v, err := ast.InterfaceToValue(map[string]any{"workloads": workload.Values(kinds)})
		if err != nil {
			t.Fatal(err)
		}
		input.Insert(ast.StringTerm("context"), ast.NewTerm(v))
	}
	rs, err := rego.New(rego.Compiler(compiler), rego.Query("x := data.kiln.lib."+rule+"; same := x == input.want"),
		rego.ParsedInput(input)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	if rs[0].Bindings["same"] != true {
		t.Errorf("%s from Go:\n%v\nlib.rego's:\n%v", rule, want, rs[0].Bindings["x"])
	}
}
