package lint

import (
	"fmt"
	"strings"
	"testing"

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
				if res.Documents > 0 && (strings.HasPrefix(d.Code, "load/") || strings.HasPrefix(d.Code, "lint/")) {
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
