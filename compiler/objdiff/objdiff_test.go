package objdiff

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// objs decodes a YAML stream of objects separated by ---.
func objs(t *testing.T, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(stream, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: web:1
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        ports:
        - containerPort: 8080
      - name: proxy
        image: envoy:1
`

const service = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports:
  - port: 80
    targetPort: 8080
`

func TestObjectsEqualWhateverTheOrder(t *testing.T) {
	// The same objects, in another order, with containers and map keys
	// reordered and a number decoded as another Go type. (The order of env
	// means something: TestOrderedListsCompareByPosition.)
	reordered := `kind: Service
apiVersion: v1
metadata: {namespace: shop, name: web}
spec:
  ports: [{targetPort: 8080, port: 80}]
---
kind: Deployment
apiVersion: apps/v1
metadata:
  labels: {app.kubernetes.io/name: web}
  namespace: shop
  name: web
spec:
  template:
    spec:
      containers:
      - {image: "envoy:1", name: proxy}
      - name: web
        ports: [{containerPort: 8080.0}]
        env: [{value: "1", name: A}, {name: B, value: "2"}]
        image: web:1
  replicas: 2
  selector: null
`
	if got := Objects(objs(t, deploy+"\n---\n"+service), objs(t, reordered)); len(got) != 0 {
		t.Fatalf("reordered objects differ: %+v", got)
	}
}

func TestObjectsNamedItemsByName(t *testing.T) {
	changed := strings.NewReplacer(
		"image: web:1", "image: web:2",
		`- {name: B, value: "2"}`, `- {name: C, value: "3"}`,
		"image: envoy:1", "image: envoy:1\n        args: [--fast]",
		`labels:`, "labels:\n    team: shop",
	).Replace(deploy)
	got := Objects(objs(t, deploy), objs(t, changed))
	want := []Change{{
		Key: Key{"apps/v1", "Deployment", "shop", "web"},
		Op:  Changed,
		Fields: []Field{
			{Path: "metadata.labels.team", New: "shop"},
			{Path: "spec.template.spec.containers[name=web].env[name=B]", Old: map[string]any{"name": "B", "value": "2"}},
			{Path: "spec.template.spec.containers[name=web].env[name=C]", New: map[string]any{"name": "C", "value": "3"}},
			{Path: "spec.template.spec.containers[name=web].image", Old: "web:1", New: "web:2"},
			{Path: "spec.template.spec.containers[name=proxy].args", New: []any{"--fast"}},
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestObjectsUnnamedListsByPosition(t *testing.T) {
	old := objs(t, service)
	changed := strings.Replace(service, "  - port: 80\n    targetPort: 8080\n",
		"  - port: 81\n    targetPort: 8080\n  - port: 443\n", 1)
	got := Objects(old, objs(t, changed))
	want := []Change{{
		Key: Key{"v1", "Service", "shop", "web"},
		Op:  Changed,
		Fields: []Field{
			{Path: "spec.ports[0].port", Old: float64(80), New: float64(81)},
			{Path: "spec.ports[1]", New: map[string]any{"port": float64(443)}},
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestObjectsAddedRemovedSorted(t *testing.T) {
	cm := func(name, ns string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {a: b}"
	}
	old := objs(t, cm("b", "x")+"\n---\n"+service+"\n---\n"+cm("a", "x"))
	new := objs(t, cm("c", "x")+"\n---\n"+cm("a", "x"))
	got := Objects(old, new)
	want := []Change{
		{Key: Key{"v1", "ConfigMap", "x", "b"}, Op: Removed},
		{Key: Key{"v1", "ConfigMap", "x", "c"}, Op: Added},
		{Key: Key{"v1", "Service", "shop", "web"}, Op: Removed},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestValuesQuotedKeysAndTypeChanges(t *testing.T) {
	old := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{"example.com/a.b": "1"}},
		"spec":     map[string]any{"x": []any{"a"}, "y": 1},
	}
	new := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{"example.com/a.b": "2"}},
		"spec":     map[string]any{"x": "a", "y": json.Number("1.0")},
	}
	got := Values(old, new)
	want := []Field{
		{Path: `metadata.annotations["example.com/a.b"]`, Old: "1", New: "2"},
		{Path: "spec.x", Old: []any{"a"}, New: "a"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

// A list whose names repeat, or that has an unnamed item, is compared
// by position: a name would pick the wrong item.
func TestValuesDuplicateNamesByPosition(t *testing.T) {
	old := []any{map[string]any{"name": "a", "v": 1}, map[string]any{"name": "a", "v": 2}}
	new := []any{map[string]any{"name": "a", "v": 1}, map[string]any{"name": "a", "v": 3}}
	want := []Field{{Path: "[1].v", Old: 2, New: 3}}
	if got := Values(old, new); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s, want %s", dump(got), dump(want))
	}
}

// Unified's output is a patch git apply applies.
func TestUnifiedAppliesWithGit(t *testing.T) {
	old := []byte("a\nb\nc\nd\ne\nf\ng\nh\n")
	new := []byte("a\nb\nC\nd\ne\nf\ng\nh\ni\n")
	u := Unified("a/x.yaml", "b/x.yaml", old, new)
	if !strings.HasPrefix(u, "--- a/x.yaml\n+++ b/x.yaml\n@@ ") || !strings.Contains(u, "-c\n+C\n") {
		t.Fatalf("not a unified diff:\n%s", u)
	}
	if Unified("a", "b", old, old) != "" {
		t.Fatal("equal texts have a diff")
	}
	git := toolcheck.Command(t, "git", "Debian: apt-get install git", "the unified diff, applied by git apply,")
	dir := t.TempDir()
	file := filepath.Join(dir, "x.yaml")
	if err := os.WriteFile(file, old, 0o644); err != nil {
		t.Fatal(err)
	}
	// Outside a repository, git apply patches the files as patch -p1 does.
	cmd := exec.Command(git, "apply", "-")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	cmd.Stdin = strings.NewReader(u)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\n%s", err, out, u)
	}
	got, _ := os.ReadFile(file)
	if string(got) != string(new) {
		t.Fatalf("patched file is\n%s\nwant\n%s", got, new)
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// The order of environment variables and init containers means
// something: reordered, they differ, by position.
func TestOrderedListsCompareByPosition(t *testing.T) {
	pod := func(env ...string) map[string]any {
		var list []any
		for _, n := range env {
			list = append(list, map[string]any{"name": n, "value": "$(" + n + ")"})
		}
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
			"spec": map[string]any{"initContainers": []any{map[string]any{"name": "a", "env": list}}, "containers": []any{}}}
	}
	if cs := Objects([]map[string]any{pod("Z", "A")}, []map[string]any{pod("Z", "A", "B")}); len(cs) != 1 || len(cs[0].Fields) != 1 ||
		cs[0].Fields[0].Path != "spec.initContainers[name=a].env[name=B]" {
		t.Fatalf("an added variable: %+v", cs)
	}
	cs := Objects([]map[string]any{pod("Z", "A")}, []map[string]any{pod("A", "Z")})
	if len(cs) != 1 {
		t.Fatalf("reordered env: no change found")
	}
	var paths []string
	for _, f := range cs[0].Fields {
		paths = append(paths, f.Path)
	}
	if want := "spec.initContainers[name=a].env[0].name"; !slices.Contains(paths, want) {
		t.Errorf("reordered env: fields %v, want %s among them", paths, want)
	}
	// Without a $(VAR) among the values, the order of env says nothing.
	plain := func(env ...string) map[string]any {
		var list []any
		for _, n := range env {
			list = append(list, map[string]any{"name": n, "value": "x"})
		}
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "a", "env": list}}}}
	}
	if cs := Objects([]map[string]any{plain("Z", "A")}, []map[string]any{plain("A", "Z")}); len(cs) != 0 {
		t.Errorf("reordered env without references: %+v", cs)
	}
	// Containers run side by side: their order is no change.
	two := func(a, b string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
			"spec": map[string]any{"containers": []any{map[string]any{"name": a}, map[string]any{"name": b}}}}
	}
	if cs := Objects([]map[string]any{two("x", "y")}, []map[string]any{two("y", "x")}); len(cs) != 0 {
		t.Errorf("reordered containers: %+v", cs)
	}
}
