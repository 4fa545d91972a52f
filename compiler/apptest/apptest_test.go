package apptest

import (
	"os"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

// Test files take kiln's field paths (compiler/fieldpath, where the
// grammar is tested): an assertion's path reaches a label by its quoted
// key, and a malformed path makes the test file malformed.
func TestPaths(t *testing.T) {
	doc := normal(map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "web"}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "a:1"}}},
	})
	for path, want := range map[string]string{
		`metadata.labels["app.kubernetes.io/name"]`: "web",
		`spec.containers[name=web].image`:           "a:1",
		`metadata.labels.app.kubernetes.io/name`:    `error: metadata.labels has no field "app"`,
	} {
		steps, err := fieldpath.ParsePath(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		v, _, err := steps.Resolve(doc)
		got := show(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}

func TestSettingsKeepTheTestFilesPositions(t *testing.T) {
	app := source.NewFile("kiln.yaml", []byte("spec:\n  image: a:1\n  port: 80\n"))
	doc, _ := load.Load(app, load.Options{})
	test := source.NewFile("kiln_test.yaml", []byte("x: 9\n"))
	val, _ := load.Load(test, load.Options{})
	out, ds := withSettings(doc, []Setting{
		setting(t, "spec.port", val.Root.Field("x").Value),
		setting(t, "spec.scaling.min", val.Root.Field("x").Value),
	})
	if ds != nil {
		t.Fatal(ds)
	}
	if got := out.Lookup([]string{"spec", "port"}); got.Pos.File != test || got.Scalar.(interface{ String() string }).String() != "9" {
		t.Errorf("spec.port = %+v", got)
	}
	if got := out.Lookup([]string{"spec", "scaling", "min"}); got == nil || got.Pos.File != test {
		t.Errorf("spec.scaling.min not added: %+v", got)
	}
	if doc.Lookup([]string{"spec", "port"}).Pos.File != app || doc.Lookup([]string{"spec", "scaling"}) != nil {
		t.Error("the app's own tree changed")
	}
}

func setting(t *testing.T, path string, v *load.Node) Setting {
	t.Helper()
	steps, err := fieldpath.ParsePath(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return Setting{Path: path, steps: steps, Value: v}
}

// A setting takes the path syntax of assertions, and one that cannot
// apply is an error, never silently dropped.
func TestSettingsPaths(t *testing.T) {
	app := source.NewFile("kiln.yaml", []byte(`spec:
  image: a:1
  metadata: {}
  waivers:
    - {rule: image-pinned, reason: old}
    - {rule: image-digest, reason: old}
  labels: {}
`))
	doc, _ := load.Load(app, load.Options{})
	test := source.NewFile("kiln_test.yaml", []byte("x: new\n"))
	val, _ := load.Load(test, load.Options{})
	x := val.Root.Field("x").Value
	out, ds := withSettings(doc, []Setting{
		setting(t, "spec.waivers[rule=image-digest].reason", x),
		setting(t, "spec.waivers[0].reason", x),
		setting(t, `spec.labels["app.kubernetes.io/part-of"]`, x),
		setting(t, "spec.waivers.0.rule", x),
	})
	if ds != nil {
		t.Fatal(ds)
	}
	for _, path := range [][]string{{"spec", "waivers", "1", "reason"}, {"spec", "waivers", "0", "reason"}, {"spec", "labels", "app.kubernetes.io/part-of"}, {"spec", "waivers", "0", "rule"}} {
		if got := out.Lookup(path); got == nil || got.Scalar != "new" {
			t.Errorf("%v = %+v", path, got)
		}
	}
	for path, want := range map[string]string{
		"spec.waivers[5].reason":         "set spec.waivers[5].reason: spec.waivers has 2 elements, no [5], so the case cannot run",
		"spec.waivers.x":                 `set spec.waivers.x: spec.waivers is a list, which has no field "x", so the case cannot run`,
		"spec.image.tag":                 `set spec.image.tag: spec.image is "a:1", which has no fields, so the case cannot run`,
		"spec.waivers[rule=nope].reason": "set spec.waivers[rule=nope].reason: spec.waivers has no element with rule=nope, so the case cannot run",
		"spec.labels[0]":                 "set spec.labels[0]: spec.labels is a map, not a list, so the case cannot run",
	} {
		s := setting(t, path, x)
		s.Pos = test.Pos(0)
		_, ds := withSettings(doc, []Setting{s})
		if len(ds) != 1 || ds[0].Message != want || ds[0].Pos.File != test || ds[0].Code != "test/set" {
			t.Errorf("%s: %v", path, ds)
		}
	}
}

func TestSubsetAndContains(t *testing.T) {
	got := normal(map[string]any{"a": 1, "b": map[string]any{"c": 2, "d": 3}})
	if !isSubset(got, normal(map[string]any{"b": map[string]any{"c": 2}})) || isSubset(got, normal(map[string]any{"b": map[string]any{"c": 3}})) {
		t.Error("isSubset")
	}
	if ok, _ := contains(normal([]any{map[string]any{"port": 80, "name": "http"}}), normal(map[string]any{"port": 80})); !ok {
		t.Error("contains a map element by its fields")
	}
	if ok, _ := contains("EXPOSE 8080\n", "8080"); !ok {
		t.Error("contains a substring")
	}
	if equal(normal(3), normal(3.5)) || !equal(normal(3), normal(int64(3))) {
		t.Error("numbers compare by value")
	}
}

// FuzzParse feeds arbitrary test files to the parser: no panic, a suite
// or positioned errors, never both and never neither.
func FuzzParse(f *testing.F) {
	f.Add([]byte("tests:\n  - it: x\n    asserts:\n      - equal: {path: \"a[name=b].c\", value: 1}\n"))
	f.Add([]byte("tests:\n  - it: x\n    env: prod\n    set: {spec.image: a}\n    asserts:\n      - matchSnapshot:\n      - policy: {rule: r}\n        not: true\n"))
	f.Add([]byte("suite: s\ntests: []\n"))
	for _, p := range []string{"minimal", "reference", "worker", "json", "jsonnet", "cue"} {
		if b, err := os.ReadFile("../../examples/" + p + "/kiln_test.yaml"); err == nil {
			f.Add(b)
			for _, v := range lineend.Variants(b) {
				f.Add(v)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := source.NewFile("kiln_test.yaml", src)
		s, ds := Parse(file)
		if (s == nil) == (len(ds) == 0) {
			t.Fatalf("suite %v with %d diagnostics", s != nil, len(ds))
		}
		for _, d := range ds {
			if d.Pos.File != nil && (d.Pos.File != file || d.Pos.Offset > len(src)) {
				t.Fatalf("diagnostic outside the file: %+v", d)
			}
		}
		if s != nil {
			for _, c := range s.Cases {
				for _, a := range c.Asserts {
					if !strings.Contains(strings.Join(Assertions(), " "), a.Type) {
						t.Fatalf("unknown assertion %q parsed", a.Type)
					}
				}
			}
		}
	})
}
