package guard

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/policies"
)

const webDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/managed-by: kiln}}
spec:
  template:
    metadata: {labels: {app: web, app.kubernetes.io/managed-by: kiln}}
    spec:
      serviceAccountName: web
      containers: [{name: web, image: "ghcr.io/acme/web:1.0.0", ports: [{name: http, containerPort: 8080}]}]
`

var related = []string{`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web, app.kubernetes.io/managed-by: kiln}}}
`, `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
`, `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec: {minReplicas: 2, maxReplicas: 4, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}
`, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`, `
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
`}

func objects(t *testing.T, docs ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range docs {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// TestInventoryJudgesLikeOneStream: a workload judged alone with its
// NetworkPolicy, budget, autoscaler, Service and ServiceAccount in the
// inventory (kiln's index) gets the verdict it gets in one stream with
// them, and the verdict differs without them.
func TestInventoryJudgesLikeOneStream(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ids := func(in Input) []string {
		found, err := b.Eval(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range found {
			if f.Kind == "Deployment" {
				out = append(out, f.Rule.ID)
			}
		}
		return out
	}
	all := objects(t, append([]string{webDeployment}, related...)...)
	stream := ids(Input{Objects: all})
	split := ids(Input{Objects: all[:1], Inventory: NewInventory(all, nil)})
	alone := ids(Input{Objects: all[:1]})
	if !slices.Equal(stream, split) {
		t.Errorf("judged with the inventory: %v\nin one stream:              %v", split, stream)
	}
	for _, id := range []string{"network-policy", "service-account-exists"} {
		if slices.Contains(split, id) || !slices.Contains(alone, id) {
			t.Errorf("%s: fires with the inventory %v, alone %v", id, slices.Contains(split, id), slices.Contains(alone, id))
		}
	}
	// The autoscaler of another file makes the workload replicated: without
	// the budget, pdb-when-replicated fires, which it does not for one pod.
	noBudget := slices.Delete(slices.Clone(all), 2, 3)
	if got := ids(Input{Objects: all[:1], Inventory: NewInventory(noBudget, nil)}); !slices.Contains(got, "pdb-when-replicated") || slices.Contains(split, "pdb-when-replicated") {
		t.Errorf("pdb-when-replicated: with the autoscaler and no budget %v; with both %v", got, split)
	}
}

// TestOwnValueIsLibOwn: the objects by kind and name kiln gives as
// data.kiln.own are what lib.rego computes without it, for odd
// documents too: no kind, a kind that is not a string, no metadata or no
// name, and names shared across namespaces.
func TestOwnValueIsLibOwn(t *testing.T) {
	objs := objects(t, webDeployment, related[0], related[4],
		"kind: ServiceAccount\nmetadata: {name: web, namespace: other}\n",
		"kind: ConfigMap\n",
		"kind: ConfigMap\nmetadata: {labels: {a: b}}\n",
		"kind: 7\nmetadata: {name: 7}\n",
		"metadata: {name: kindless}\n",
		"kind: Secret\nmetadata: []\n",
	)
	ts, err := objectTerms(objs)
	if err != nil {
		t.Fatal(err)
	}
	compiler := libCompiler(t)
	// Compared in Rego: JSON, which has only string keys, would make a
	// kind 7 and a kind "7" one.
	input := ast.NewObject(ast.Item(ast.StringTerm("objects"), ast.ArrayTerm(ts...)),
		ast.Item(ast.StringTerm("kiln"), ast.NewTerm(ownValue(ts))))
	rs, err := rego.New(rego.Compiler(compiler), rego.Query("x := data.kiln.lib.own; same := x == input.kiln"),
		rego.ParsedInput(input)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	if rs[0].Bindings["same"] != true {
		t.Errorf("ownValue:\n%v\nlib.rego's own:\n%v", ownValue(ts), rs[0].Bindings["x"])
	}
}

// libCompiler compiles policies/lib.rego and workloads.rego alone.
func libCompiler(t *testing.T) *ast.Compiler {
	t.Helper()
	modules := map[string]*ast.Module{}
	for _, f := range []string{"lib.rego", "workloads.rego"} {
		src, err := fs.ReadFile(policies.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		modules[f] = ast.MustParseModuleWithOpts(string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	}
	compiler := ast.NewCompiler()
	if compiler.Compile(modules); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	return compiler
}

// The inventory's objects are converted on every core, in parts: each
// one's term is its own, in its place, whatever the count (parts of
// uneven size, fewer objects than cores, none), and one that does not
// convert is nil.
func TestInventoryTermsAreEachObjects(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 129, 1000, 1001} {
		objs := make([]map[string]any, n)
		for i := range objs {
			objs[i] = map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": fmt.Sprintf("cm-%d", i)}}
		}
		if n > 10 {
			objs[n/2]["data"] = make(chan int) // no JSON value
		}
		ts := NewInventory(objs, nil).terms()
		if len(ts) != n {
			t.Fatalf("%d objects: %d terms", n, len(ts))
		}
		for i, o := range objs {
			want, err := ast.InterfaceToValue(o)
			switch {
			case err != nil && ts[i] != nil:
				t.Errorf("%d objects: object %d does not convert, and has a term", n, i)
			case err == nil && (ts[i] == nil || ts[i].Value.Compare(want) != 0):
				t.Errorf("%d objects: term %d is %v, want %v", n, i, ts[i], want)
			}
		}
	}
}
