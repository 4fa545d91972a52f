package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/lineend"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {kiln.dev/owner: team-a}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
`

func options(t testing.TB) Options {
	t.Helper()
	v, err := validate.For("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := guard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Validator: v, Policy: b}
}

func TestFindingsAreInTheirDocument(t *testing.T) {
	src := "---\n# comment only\n---\n" + deployment + "---\n" + strings.Replace(deployment, "name: web,", "name: api,", 1)
	res, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
	if res.Documents != 2 {
		t.Fatalf("%d documents, want 2", res.Documents)
	}
	var got []string
	for _, d := range ds {
		if d.Code == "image-pinned" {
			line, col := d.Pos.LineCol()
			got = append(got, fmt.Sprintf("%s %d:%d", d.Message[:14], line, col))
		}
	}
	// line 14 is the first Deployment's image, line 26 the second's
	if strings.Join(got, ",") != "Deployment/web 14:11,Deployment/api 26:11" {
		t.Errorf("image-pinned findings: %v", got)
	}
}

func TestNotObjectsAndEmptyFilesAreErrors(t *testing.T) {
	for src, code := range map[string]string{
		"a: 1\n":      "lint/not-an-object",
		"# nothing\n": "lint/empty",
		"apiVersion: v1\nkind: List\nitems: []\n": "lint/empty",
		"a: [\n": "load/yaml-syntax",
	} {
		res, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
		if res.Documents != 0 || len(ds) == 0 || ds[0].Code != code || ds[0].Severity != diag.Error {
			t.Errorf("%q: %d documents, %v; want a %s error", src, res.Documents, ds, code)
		}
	}
}

// FuzzLint feeds arbitrary bytes through the whole of lint: it must never
// panic, every diagnostic must point into the file, and a file that was
// linted must not also be reported unreadable.
func FuzzLint(f *testing.F) {
	f.Add([]byte(deployment))
	f.Add([]byte("---\n" + deployment + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"))
	f.Add([]byte(`{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}]}`))
	f.Add([]byte("apiVersion: example.com/v1\nkind: Widget\n"))
	// documents that claim a kind kiln's rules judge, with any shape
	for _, kind := range []string{"Deployment", "Pod", "CronJob", "Service", "Ingress", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget"} {
		f.Add([]byte("apiVersion: x/v1\nkind: " + kind + "\nmetadata: {name: 1}\nspec: 3\n"))
		f.Add([]byte("apiVersion: x/v1\nkind: " + kind + "\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{image: 1, resources: {limits: {memory: 1}}}]}}, ports: 3, tls: 1, rules: [1], minReplicas: a, selector: 1}\n"))
		// beside a valid document, which is judged while this one is not
		f.Add([]byte(deployment + "---\napiVersion: x/v1\nkind: " + kind + "\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{image: 1}]}}}\n"))
	}
	for _, s := range []string{deployment, "---\n" + deployment + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"} {
		for _, v := range lineend.Variants([]byte(s)) {
			f.Add(v)
		}
	}
	opts := options(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, name := range []string{"m.yaml", "m.json"} {
			file := source.NewFile(name, src)
			res, ds := File(file, opts)
			for _, d := range ds {
				if d.Pos.File != nil && (d.Pos.File != file || d.Pos.Offset < 0 || d.Pos.Offset > len(src)) {
					t.Fatalf("%s: diagnostic outside the file: %+v", name, d)
				}
				if res.Documents > 0 && d.Severity == diag.Error && (strings.HasPrefix(d.Code, "load/") || strings.HasPrefix(d.Code, "lint/")) {
					t.Fatalf("%s: linted %d documents and reported %s", name, res.Documents, d.Code)
				}
			}
		}
	})
}

func BenchmarkParseOnly(b *testing.B) {
	f := source.NewFile("m.yaml", []byte(strings.Repeat("---\n"+deployment, 8)))
	for b.Loop() {
		parse(f)
	}
}

// BenchmarkLint lints eight Deployments in one file: strict validation and
// every built-in rule. Compare with BenchmarkParseOnly, run beside it.
func BenchmarkLint(b *testing.B) {
	f := source.NewFile("m.yaml", []byte(strings.Repeat("---\n"+deployment, 8)))
	opts := options(b)
	for b.Loop() {
		File(f, opts)
	}
}

// A file that declares Kubernetes objects is a manifest even when it does
// not parse, so that a walk reports it instead of passing over it.
func TestLooksLikeManifest(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      bool
	}{
		{"m.yaml", deployment, true},
		{"m.yaml", deployment + "---\napiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n", true},
		{"m.yaml", "apiVersion: v1\rkind: Pod\rmetadata: {name: [\r", true},
		{"m.json", `{"apiVersion": "v1", "kind": "Pod", "metadata": {`, true},
		{"ci.yaml", "name: ci\non: [push]\njobs: {}\n", false},
		{"ci.yaml", "name: ci\non: [push\n", false},
		{"values.yaml", "image:\n  kind: x\n  apiVersion: [\n", false},
		{"empty.yaml", "", false},
	} {
		if got := LooksLikeManifest(source.NewFile(tc.name, []byte(tc.src))); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.src, got, tc.want)
		}
	}
}

// at lists the findings of rule as "line:col", in order.
func at(ds diag.List, rule string) []string {
	var out []string
	for _, d := range ds {
		if d.Code == rule {
			line, col := d.Pos.LineCol()
			out = append(out, fmt.Sprintf("%d:%d", line, col))
		}
	}
	return out
}

// A typed list is its items, each judged at its own lines.
func TestTypedListsAreUnwrapped(t *testing.T) {
	item := strings.ReplaceAll(strings.TrimSuffix(deployment, "\n"), "\n", "\n    ")
	src := "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - " + item + "\n"
	res, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
	if res.Documents != 1 {
		t.Fatalf("%d documents, want 1: %v", res.Documents, ds)
	}
	if got := at(ds, "image-pinned"); fmt.Sprint(got) != "[14:15]" {
		t.Errorf("image-pinned at %v, want the item's image at 14:15", got)
	}
	// as the API server writes a typed list: items without apiVersion and kind
	raw := `{"apiVersion": "v1", "kind": "PodList", "items": [` + "\n" + `{"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}]}`
	res, ds = File(source.NewFile("m.json", []byte(raw)), options(t))
	if got := at(ds, "image-pinned"); res.Documents != 1 || fmt.Sprint(got) != "[2:67]" || ds.HasErrors() && len(at(ds, "kube/schema")) > 0 {
		t.Errorf("a PodList of the API server: %d documents, image-pinned at %v: %v", res.Documents, got, ds)
	}
	// a kind that ends in List without items is an object like any other
	if !isList(compile.Object{Kind: "PodList", Content: map[string]any{"items": []any{}}}) ||
		isList(compile.Object{Kind: "AllowList", Content: map[string]any{"spec": map[string]any{}}}) {
		t.Error("isList")
	}
}

// A document the schema rejects in part is judged without the rejected
// fields; a finding inside one of them is left to the schema's error.
func TestPartialDocumentsAreGuarded(t *testing.T) {
	src := strings.Replace(deployment, "spec:\n  selector", "spec:\n  replicas: three\n  selector", 1)
	src = strings.Replace(src, "image: nginx", "image: nginx\n          securityContext: {privileged: true}\n          resources: big", 1)
	res, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
	if res.Documents != 1 || res.Partial != 1 {
		t.Fatalf("%d documents, %d partial; want 1, 1: %v", res.Documents, res.Partial, ds)
	}
	if got := at(ds, "no-privileged"); fmt.Sprint(got) != "[13:29]" {
		t.Errorf("no-privileged at %v", got)
	}
	for _, d := range ds {
		if d.Code == "resources-set" {
			t.Errorf("a finding inside a field the schema rejects: %v", d)
		}
	}
	if got := at(ds, "kube/schema"); len(got) != 2 {
		t.Errorf("schema errors at %v, want replicas and resources", got)
	}
}

// A custom resource without its CRD is judged when it runs pods; one a
// rule fails on is reported as not guarded, and the others are judged.
func TestUncheckedDocuments(t *testing.T) {
	rollout := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {template: {spec: {hostPID: true, containers: [{name: c, image: 'nginx:1.27'}]}}}\n"
	widget := "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
	res, ds := File(source.NewFile("m.yaml", []byte(rollout+"---\n"+widget)), options(t))
	if res.Documents != 1 || res.Unguarded != 1 || len(at(ds, "no-host-access")) != 1 {
		t.Errorf("%d documents, %d unguarded: %v", res.Documents, res.Unguarded, ds)
	}
	broken := "apiVersion: x/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{image: 1}]}}}\n"
	res, ds = File(source.NewFile("m.yaml", []byte(deployment+"---\n"+broken)), options(t))
	if res.Documents != 1 || res.Unguarded != 1 || fmt.Sprint(at(ds, "lint/not-guarded")) != "[13:1]" || len(at(ds, "image-pinned")) != 1 {
		t.Errorf("%d documents, %d unguarded, not guarded at %v: %v", res.Documents, res.Unguarded, at(ds, "lint/not-guarded"), ds)
	}
}

// Two objects of one kind and name in several namespaces: each finding is
// at the object it is about.
func TestFindingsKeepTheirNamespace(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: 'nginx:1.27'}]}\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: b}\nspec: {hostNetwork: true, containers: [{name: c, image: 'nginx:1.27'}]}\n"
	_, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
	if got := at(ds, "no-host-access"); fmt.Sprint(got) != "[9:8]" {
		t.Errorf("no-host-access at %v, want the second Pod's hostNetwork at 9:8", got)
	}
}

// The pods a Service selects may be run by any workload kind kiln knows
// (an Argo Rollout here), in the file or elsewhere in the run; a Service
// itself runs none.
func TestServicesSelectPodsOfEveryWorkloadKind(t *testing.T) {
	rollout := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: x}\nspec: {template: {metadata: {labels: {app: r}}, spec: {containers: [{name: c, image: 'nginx:1.27'}]}}}\n"
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: r, namespace: x}\nspec: {selector: {app: r}, ports: [{port: 80}]}\n"
	alone := "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x, labels: {app: s}}\nspec: {selector: {app: s}, ports: [{port: 80}]}\n"
	_, ds := File(source.NewFile("m.yaml", []byte(rollout+"---\n"+svc)), options(t))
	if got := at(ds, "dangling-service"); len(got) != 0 {
		t.Errorf("a Service selecting a Rollout's pods is reported dangling at %v", got)
	}
	opts := options(t)
	other := Read(source.NewFile("r.yaml", []byte(rollout)), opts)
	mine := Read(source.NewFile("s.yaml", []byte(svc+"---\n"+alone)), opts)
	opts.Inventory = guard.NewInventory(append(other.Objects(), mine.Objects()...), nil)
	_, ds = mine.Guard(opts)
	if got := at(ds, "dangling-service"); len(got) != 1 || !strings.HasPrefix(got[0], "6:") && !strings.HasPrefix(got[0], "7:") && !strings.HasPrefix(got[0], "8:") && !strings.HasPrefix(got[0], "9:") {
		t.Errorf("dangling-service at %v, want only the Service that selects its own labels (a Service runs no pods)", got)
	}
}

// A Source parsed once answers LooksLikeManifest and then Read as the
// file parsed anew does, however often it is read.
func TestSourceReadsAsTheFile(t *testing.T) {
	opts := options(t)
	for _, src := range []string{
		deployment,
		deployment + "---\napiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n",
		deployment + "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n  spec: {ports: [{port: 80}], bogus: 1}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: null}\nspec: {containers: [{name: c, image: x, replicas: 2}]}\n",
		"name: ci\non: [push]\n",
		"",
	} {
		f := source.NewFile("m.yaml", []byte(src))
		_, want := Read(f, opts).Guard(opts)
		s := Parse(f)
		if s.LooksLikeManifest() != LooksLikeManifest(f) {
			t.Errorf("%q: LooksLikeManifest differs", src)
		}
		for range 2 {
			if _, got := s.Read(opts).Guard(opts); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q: the Source's findings\n%v\nthe file's\n%v", src, got, want)
			}
		}
	}
}
