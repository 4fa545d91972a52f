package check

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

func mustSchema(t testing.TB) *schema.Schema {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkSource(t testing.TB, name, src string) (*app.App, diag.List) {
	doc, ds := load.Load(source.NewFile(name, []byte(src)), load.Options{})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	return Check(doc, mustSchema(t))
}

// brief renders diagnostics as "line:col code path", the part a test pins.
func brief(ds diag.List) []string {
	var out []string
	for _, d := range ds {
		line, col := d.Pos.LineCol()
		out = append(out, strings.Join([]string{itoa(line) + ":" + itoa(col), d.Code, d.Path}, " "))
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// One CUE Validate call reports only some of these; check must report each.
func TestEveryMistakeIsReported(t *testing.T) {
	src := `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: checkout
  owner: team-payments
spec:
  image: registry.example.com/payments/checkout:1.4.2
  prot: 8080
  protocol: htp
  resources:
    cpu: 250m
    memory: 256MB
  sla:
    availability: 100
  env:
    LOG_LEVEL: 3
`
	a, ds := checkSource(t, "kiln.yaml", src)
	if a != nil {
		t.Error("an invalid app was returned")
	}
	want := []string{
		"8:3 schema/unknown-field spec.prot",
		"9:13 schema/enum spec.protocol",
		"12:13 schema/format spec.resources.memory",
		"14:19 schema/range spec.sla.availability",
		"16:16 schema/type spec.env.LOG_LEVEL",
	}
	if got := brief(ds); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ds[0].Suggestion != "port" || ds[1].Suggestion != "http" {
		t.Errorf("suggestions = %q, %q; want port, http", ds[0].Suggestion, ds[1].Suggestion)
	}
}

func TestMissingRequiredIsReportedWithoutATypo(t *testing.T) {
	_, ds := checkSource(t, "kiln.yaml", "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a}\nspec: {image: x}\n")
	want := []string{"3:1 schema/required metadata.owner", "4:1 schema/required spec.port"}
	if got := brief(ds); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDefaultsAreApplied(t *testing.T) {
	a, ds := checkSource(t, "kiln.yaml", `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: a, owner: t}
spec:
  image: nginx:1.27
  port: 80
  scaling: {min: 2, max: 4}
  sla: {availability: 99.5}
  ingress: {host: a.example.com}
  build: {language: go, version: "1.23"}
`)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	s := a.Spec
	got := []any{s.Protocol, s.Health.Liveness, s.Health.Readiness, s.Resources.CPU, s.Resources.Memory,
		s.Scaling.CPUTarget, s.SLA.Window, s.Ingress.Path, s.Build.Main}
	want := []any{"http", "/healthz", "/readyz", "100m", "128Mi", 70, "30d", "/", "."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %v, want %v", got, want)
	}
}

func TestExplicitValuesWinOverDefaults(t *testing.T) {
	a, ds := checkSource(t, "kiln.yaml", `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: a, owner: t}
spec: {image: "nginx:1.27", port: 80, protocol: grpc, resources: {cpu: "2", memory: 1Gi}}
`)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if a.Spec.Protocol != "grpc" || a.Spec.Resources.CPU != "2" || a.Spec.Resources.Memory != "1Gi" {
		t.Errorf("got %+v", a.Spec)
	}
}

func TestReferenceExampleIsAccepted(t *testing.T) {
	src, err := os.ReadFile("../../examples/reference/kiln.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, ds := checkSource(t, "kiln.yaml", string(src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if a.Spec.Port != 8080 || *a.Spec.Environments["staging"].Scaling.Max != 2 || a.Spec.Secrets["DATABASE_URL"].Secret != "checkout-db" {
		t.Errorf("reference app decoded wrongly: %+v", a.Spec)
	}
}

// TestAppTypesMatchSchema keeps compiler/app's Go types in step with
// schemas/app.cue: every schema field has a Go field and the reverse.
func TestAppTypesMatchSchema(t *testing.T) {
	s := mustSchema(t)
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			if typ.Kind() == reflect.Map {
				path += ".x" // any key
			}
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		fd, err := s.Explain(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		var schemaFields, goFields []string
		for _, c := range fd.Fields {
			schemaFields = append(schemaFields, c.Name)
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			goFields = append(goFields, name)
			walk(strings.TrimPrefix(path+"."+name, "."), f.Type)
		}
		slices.Sort(goFields)
		if !slices.Equal(schemaFields, goFields) {
			t.Errorf("%s: schema fields %v, Go fields %v", path, schemaFields, goFields)
		}
	}
	walk("", reflect.TypeOf(app.App{}))
}

func FuzzCheck(f *testing.F) {
	for _, p := range []string{"minimal/kiln.yaml", "reference/kiln.yaml"} {
		b, err := os.ReadFile("../../examples/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, v := range lineend.Variants(b) {
			f.Add(v)
		}
	}
	f.Add([]byte("kind: Deployment"))
	f.Add([]byte("apiVersion: kiln.dev/v1alpha1\nkind: App\nspec: {port: '80', env: {'a b': 1}}"))
	s := mustSchema(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file := source.NewFile("kiln.yaml", src)
		doc, ds := load.Load(file, load.Options{})
		if doc == nil {
			return
		}
		a, ds := Check(doc, s)
		if (a == nil) != ds.HasErrors() {
			t.Fatalf("app=%v with errors=%v", a != nil, ds.HasErrors())
		}
		for _, d := range ds {
			if d.Pos.File != file || d.Pos.Offset > len(src) || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
	})
}

func BenchmarkCheckReference(b *testing.B) {
	src, err := os.ReadFile("../../examples/reference/kiln.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s := mustSchema(b)
	b.Run("baseline=yaml-parse-only", func(b *testing.B) {
		for b.Loop() {
			load.Load(source.NewFile("kiln.yaml", src), load.Options{})
		}
	})
	b.Run("load+check", func(b *testing.B) {
		for b.Loop() {
			doc, _ := load.Load(source.NewFile("kiln.yaml", src), load.Options{})
			if _, ds := Check(doc, s); len(ds) > 0 {
				b.Fatal(ds)
			}
		}
	})
}

// A rule only CUE checks (scaling.max below scaling.min) is reported beside
// the JSON Schema's errors, not hidden until they are fixed; a value the
// JSON Schema rejected takes no part in it.
func TestCrossFieldRuleBesideSchemaErrors(t *testing.T) {
	src := `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: a, owner: t}
spec:
  image: nginx:1.27
  prot: 8080
  scaling: {min: 3, max: 2, cpuTarget: high}
  environments:
    prod:
      scaling: {min: 4, max: 2}
    staging:
      scaling: {min: "4", max: 2}
`
	a, ds := checkSource(t, "kiln.yaml", src)
	if a != nil {
		t.Error("an invalid app was returned")
	}
	want := []string{
		"6:3 schema/unknown-field spec.prot",
		"7:26 schema/constraint spec.scaling.max",
		"7:40 schema/type spec.scaling.cpuTarget",
		"10:30 schema/constraint spec.environments.prod.scaling.max",
		"12:22 schema/type spec.environments.staging.scaling.min",
	}
	if got := brief(ds); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range ds {
		if d.Code == "schema/constraint" && !strings.Contains(d.Message, "is less than scaling.min") {
			t.Errorf("constraint message %q", d.Message)
		}
	}
}

// An environment's sla overrides the base SLA field by field; without a
// base SLA it is the whole SLA, so it must give the availability.
func TestEnvironmentSLAWithoutBaseNeedsAvailability(t *testing.T) {
	const head = "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: t}\nspec:\n  image: nginx:1.27\n  port: 80\n"
	a, ds := checkSource(t, "kiln.yaml", head+"  environments:\n    prod:\n      sla: {window: 7d}\n")
	if a != nil {
		t.Error("an invalid app was returned")
	}
	want := []string{"9:7 schema/required spec.environments.prod.sla"}
	if got := brief(ds); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(ds) == 1 && !strings.Contains(ds[0].Message, `"availability"`) {
		t.Errorf("message: %s", ds[0].Message)
	}
	if _, ds := checkSource(t, "kiln.yaml", head+"  environments:\n    prod:\n      sla: {availability: 99}\n"); len(ds) > 0 {
		t.Errorf("an environment's whole SLA: %v", ds)
	}
	if _, ds := checkSource(t, "kiln.yaml", head+"  sla: {availability: 99}\n  environments:\n    prod:\n      sla: {window: 7d}\n"); len(ds) > 0 {
		t.Errorf("an environment's SLA field over a base SLA: %v", ds)
	}
}
