package scaffold_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/scaffold"
	"github.com/kilnhq/kiln/workspace"
)

var update = flag.Bool("update", false, "rewrite the definitions expected under testdata/want")

// want is what detection must find in each skeleton project under
// testdata: value and, for an inferred value, a part of where it came from.
type want struct {
	lang, version, main, port, name string
	build                           bool
	todos                           []string // fields left TODO
}

var skeletons = map[string]want{
	"go": {lang: "go", version: "1.23", main: "./cmd/checkout", port: "9090", name: "checkout", build: true,
		todos: []string{"metadata.owner", "spec.image"}},
	"node-express": {lang: "node", version: "22", main: "server.js", port: "3001", name: "storefront", build: true,
		todos: []string{"metadata.owner", "spec.image"}},
	"python-flask": {lang: "python", version: "3.12", main: "app.py", port: "5000", name: "python-flask", build: true,
		todos: []string{"metadata.owner", "spec.image"}},
	"python-django": {lang: "python", version: "3.13", main: ".", port: "8000", name: "ledger-service", build: true,
		todos: []string{"metadata.owner", "spec.image", "spec.build.main", "spec.build"}},
	"java-maven": {lang: "java", version: "21", main: ".", port: "8081", name: "orders", build: true,
		todos: []string{"metadata.owner", "spec.image"}},
	"java-gradle": {lang: "java", version: "17", port: "8082", name: "inventory", build: false,
		todos: []string{"metadata.owner", "spec.image"}},
	"landing-page": {lang: "static", main: "./public", port: "8080", name: "landing-page", build: true,
		todos: []string{"metadata.owner", "spec.image"}},
	"dockerfile": {lang: "go", version: "1.22", main: ".", port: "7000", name: "relay", build: false,
		todos: []string{"metadata.owner", "spec.image"}},
	"empty": {port: "8080", name: "empty", build: false,
		todos: []string{"metadata.owner", "spec.image", "spec.port"}},
}

func TestSkeletons(t *testing.T) {
	for name, w := range skeletons {
		t.Run(name, func(t *testing.T) {
			p, err := scaffold.Detect(scaffold.Options{Repo: os.DirFS(filepath.Join("testdata", name)), Dir: ".", DirName: name})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ field, got, want string }{
				{"language", p.Language.V, w.lang},
				{"version", p.Version.V, w.version},
				{"main", mainOf(p), w.main},
				{"port", p.Port.V, w.port},
				{"name", p.Name.V, w.name},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
			if p.Build != w.build {
				t.Errorf("build = %v, want %v (%s)", p.Build, w.build, p.NoBuild)
			}
			if p.Build && p.Main.TODO == "" {
				// build.main is a path in the build context that the
				// Dockerfile copies or builds: it must be there.
				if _, err := os.Stat(filepath.Join("testdata", name, mainOf(p))); err != nil {
					t.Errorf("build.main %q is not in the project: %v", mainOf(p), err)
				}
			}
			if len(p.Warnings) > 0 {
				t.Errorf("warnings: %v", p.Warnings)
			}
			data, todos := p.Render("")
			var fields []string
			for _, td := range todos {
				fields = append(fields, td.Field)
			}
			if !equal(fields, w.todos) {
				t.Errorf("TODOs %v, want %v", fields, w.todos)
			}
			mustValidate(t, data)
			editorValidates(t, data)
			golden(t, name, data)
			again, _ := scaffold.Detect(scaffold.Options{Repo: os.DirFS(filepath.Join("testdata", name)), Dir: ".", DirName: name})
			if d, _ := again.Render(""); !bytes.Equal(d, data) {
				t.Error("a second run wrote another definition")
			}
		})
	}
}

func mainOf(p *scaffold.Project) string {
	if !p.Build {
		return p.Main.V
	}
	if p.Main.V == "" {
		return "."
	}
	return p.Main.V
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mustValidate runs kiln's own validation (kiln validate's) on a
// definition written by init.
func mustValidate(t *testing.T, data []byte) {
	t.Helper()
	w, err := workspace.Open(context.Background(), workspace.Options{Stdin: bytes.NewReader(data), StdinName: "kiln.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Validate(context.Background(), []string{"-"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Diagnostics {
		line, col := d.Pos.LineCol()
		t.Errorf("kiln.yaml:%d:%d: %s: %s", line, col, d.Severity, d.Message)
	}
	if t.Failed() {
		t.Logf("the definition:\n%s", data)
	}
}

// editorValidates checks a definition as an editor does from its
// modeline: the modeline points at the schema kiln publishes, and the
// definition is valid against that schema (the repository's copy, which
// a test keeps in step with the CUE schema).
func editorValidates(t *testing.T, data []byte) {
	t.Helper()
	first, _, _ := bytes.Cut(data, []byte("\n"))
	const published = "https://raw.githubusercontent.com/kilnhq/kiln/main/"
	modeline := "# yaml-language-server: $schema=" + published + "schemas/app.schema.json"
	if string(first) != modeline || scaffold.SchemaURL != published+"schemas/app.schema.json" {
		t.Fatalf("first line %q, want the modeline %q", first, modeline)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", "..", "schemas", "app.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(j, &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("not valid against schemas/app.schema.json: %v", err)
	}
}

// golden compares a definition with testdata/want/NAME.kiln.yaml, which
// shows what init writes for each skeleton.
func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	file := filepath.Join("testdata", "want", name+".kiln.yaml")
	if *update {
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("the definition differs from %s (go test -update rewrites it):\n%s", file, data)
	}
}
