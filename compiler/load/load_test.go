package load

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/source"
)

// sameApp is one app written in each format; every test below expects the
// same data from each, and spec.port's key and value at the marked places.
var sameApp = map[string]string{
	"kiln.yaml": `apiVersion: kiln.dev/v1alpha1
kind: App
spec:
  port: 8080
  env: {A: "1"}
`,
	"kiln.json": `{"apiVersion": "kiln.dev/v1alpha1",
 "kind": "App",
 "spec": {
  "port": 8080, "env": {"A": "1"}}}
`,
	"kiln.cue": `apiVersion: "kiln.dev/v1alpha1"
kind:       "App"
spec: {
	port: 8000 + 80
	env: A: "1"
}
`,
	"kiln.jsonnet": `local p = 8080;
{ apiVersion: 'kiln.dev/v1alpha1', kind: 'App',
  spec: {
    port: p, env: { A: '1' } },
}
`,
}

func TestFormatsAgree(t *testing.T) {
	want := map[string]any{"apiVersion": "kiln.dev/v1alpha1", "kind": "App",
		"spec": map[string]any{"port": json.Number("8080"), "env": map[string]any{"A": "1"}}}
	for name, src := range sameApp {
		t.Run(name, func(t *testing.T) {
			f := source.NewFile(filepath.Join(t.TempDir(), name), []byte(src))
			doc, ds := Load(f, Options{})
			if len(ds) > 0 {
				t.Fatalf("unexpected diagnostics: %v", ds)
			}
			if got := doc.Root.Value(); !reflect.DeepEqual(got, want) {
				t.Errorf("data = %#v\nwant %#v", got, want)
			}
			// The key "port" is on line 4 in every file.
			pos, _, found := doc.Locate([]string{"spec", "port"})
			if line, _ := pos.LineCol(); !found || line != 4 {
				t.Errorf("spec.port located at line %d (found=%v), want 4", line, found)
			}
			if !strings.HasPrefix(string(f.Content[pos.Offset:]), "port") && !strings.HasPrefix(string(f.Content[pos.Offset:]), `"port"`) {
				t.Errorf("spec.port key position points at %q", string(f.Content[pos.Offset:pos.Offset+6]))
			}
		})
	}
}

func TestYAMLAliasesAndMerge(t *testing.T) {
	src := `base: &base {cpu: 1, memory: 2}
prod:
  <<: *base
  memory: 3
copy: *base
`
	doc, ds := Load(source.NewFile("kiln.yaml", []byte(src)), Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	got := doc.Root.Value()
	want := map[string]any{
		"base": map[string]any{"cpu": json.Number("1"), "memory": json.Number("2")},
		"prod": map[string]any{"cpu": json.Number("1"), "memory": json.Number("3")},
		"copy": map[string]any{"cpu": json.Number("1"), "memory": json.Number("2")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	// A merged field keeps the position where it was written: in the anchor.
	pos, _, _ := doc.Locate([]string{"prod", "cpu"})
	if line, col := pos.LineCol(); line != 1 || col != 14 {
		t.Errorf("prod.cpu at %d:%d, want 1:14 (inside the anchored mapping)", line, col)
	}
}

func TestYAMLScalars(t *testing.T) {
	src := "a: 0x10\nb: 1.5\nc: yes\nd: true\ne: null\nf: 2024-01-01\ng: '007'\n"
	doc, ds := Load(source.NewFile("kiln.yaml", []byte(src)), Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	want := map[string]any{"a": json.Number("16"), "b": json.Number("1.5"), "c": "yes", "d": true,
		"e": nil, "f": "2024-01-01", "g": "007"}
	if got := doc.Root.Value(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestJsonnetImportConfined(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "lib.libsonnet"), []byte("{ x: 1 }"), 0o644)
	os.MkdirAll(filepath.Join(root, "app"), 0o755)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.libsonnet"), []byte("{ x: 2 }"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.libsonnet"), filepath.Join(root, "link.libsonnet"))

	load := func(src string) (*Doc, string) {
		name := filepath.Join(root, "app", "kiln.jsonnet")
		doc, ds := Load(source.NewFile(name, []byte(src)), Options{Root: root})
		if len(ds) > 0 {
			return doc, ds[0].Message
		}
		return doc, ""
	}
	if _, msg := load(`(import '../lib.libsonnet')`); msg != "" {
		t.Errorf("import inside the root failed: %s", msg)
	}
	rel, _ := filepath.Rel(filepath.Join(root, "app"), filepath.Join(outside, "secret.libsonnet"))
	for _, imp := range []string{rel, filepath.Join(outside, "secret.libsonnet"), "../link.libsonnet"} {
		if _, msg := load(`(import '` + imp + `')`); msg == "" {
			t.Errorf("import %s outside the root was allowed", imp)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name, src, code string
		opts            Options
	}{
		{"kiln.yaml", strings.Repeat("#", 100), "load/too-large", Options{MaxBytes: 10}},
		{"kiln.yaml", "a: &a [1,1,1,1]\nb: &b [*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n", "load/too-many-values", Options{MaxNodes: 20}},
		{"kiln.jsonnet", "local f(x) = f(x) + 1; f(0)", "load/jsonnet-error", Options{JsonnetMaxStack: 50}},
		{"kiln.jsonnet", "std.length(std.range(1, 1000000))", "load/jsonnet-timeout", Options{EvalTimeout: 1}},
	} {
		_, ds := Load(source.NewFile(tc.name, []byte(tc.src)), tc.opts)
		if len(ds) != 1 || ds[0].Code != tc.code {
			t.Errorf("%s %q: got %v, want one %s", tc.name, tc.src, ds, tc.code)
		}
	}
}

// An evaluation cut short, by its time or by its caller, is a fact about
// the run, which Interrupted tells apart from a mistake in the file.
func TestInterrupted(t *testing.T) {
	slow := source.NewFile("kiln.jsonnet", []byte("std.length(std.range(1, 3000000))"))
	_, ds := Load(slow, Options{EvalTimeout: 1})
	if !Interrupted(ds) {
		t.Errorf("a time-out is not interrupted: %v", ds)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	began := time.Now()
	_, ds = Load(slow, Options{Context: ctx, EvalTimeout: time.Minute})
	if !Interrupted(ds) || len(ds) != 1 || ds[0].Code != "load/jsonnet-cancelled" {
		t.Errorf("a cancelled evaluation: %v", ds)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("a cancelled evaluation was waited for: %s", d)
	}
	for _, src := range []string{"local f(x) = f(x) + 1; f(0)", "{ a: }", "error 'no'"} {
		if _, ds := Load(source.NewFile("kiln.jsonnet", []byte(src)), Options{JsonnetMaxStack: 50}); ds == nil || Interrupted(ds) {
			t.Errorf("%q: a mistake in the file counts as interrupted: %v", src, ds)
		}
	}
}
