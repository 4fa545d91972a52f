package scaffold_test

import (
	"cmp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kilnhq/kiln/compiler/scaffold"
)

// TestMalformed: a build file that does not parse is a warning at its
// line, and detection goes on without it: the language still counts, the
// values it would have given fall back, and the definition still renders.
func TestMalformed(t *testing.T) {
	for _, c := range []struct {
		file, content string
		lang, warn    string // the language still detected; the warning's "file:line: message" prefix
		name          string // the app's name: the directory's, unless the file was read after all
	}{
		{"go.mod", "module example.com/x\n\ngo 1.22\nrequire (\n", "go", "app/go.mod:5: syntax error (unterminated block", ""},
		{"package.json", "{\n  \"name\": \"x\",\n  \"engines\": {\n}}}\n", "node", "app/package.json:4: not valid JSON", ""},
		{"package.json", "{\n  \"name\": \"x\",\n  \"engines\": [\"node\"]\n}\n", "node", "app/package.json:3: engines is a JSON array, not what npm reads there", "x"},
		{"pyproject.toml", "[project]\nname = \"x\"\nrequires-python = \n", "python", "app/pyproject.toml:3: not valid TOML", ""},
		{"pom.xml", "<project>\n  <artifactId>x</artifactId>\n  <properties>\n</project>\n", "java", "app/pom.xml:4: not valid XML", ""},
		{"Dockerfile", "# escape=xy\nFROM alpine\nEXPOSE 80\n", "", "app/Dockerfile:1: invalid Dockerfile: invalid escape token", ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			repo := fstest.MapFS{"app/" + c.file: {Data: []byte(c.content)}}
			p, err := scaffold.Detect(scaffold.Options{Repo: repo, Dir: "app"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Language.V != c.lang {
				t.Errorf("language %q, want %q", p.Language.V, c.lang)
			}
			if want := cmp.Or(c.name, "app"); p.Name.V != want {
				t.Errorf("name %q, want %q", p.Name.V, want)
			}
			var warns []string
			for _, w := range p.Warnings {
				warns = append(warns, w.File+":"+strconv.Itoa(w.Line)+": "+w.Message)
			}
			if len(warns) != 1 || !strings.HasPrefix(warns[0], c.warn) {
				t.Errorf("warnings %q, want one starting %q", warns, c.warn)
			}
			if data, _ := p.Render(""); len(data) == 0 {
				t.Error("nothing rendered")
			}
		})
	}
}

// TestPrecedence: of several build files, the first language in init's
// order decides, and the comment names the others; the port is read in
// the program's own package before the rest of the project.
func TestPrecedence(t *testing.T) {
	repo := fstest.MapFS{
		"package.json":           {Data: []byte(`{"name": "web", "dependencies": {"express": "4"}}`)},
		"index.html":             {Data: []byte("<html></html>")},
		"go.mod":                 {Data: []byte("module example.com/api\n\ngo 1.24\n")},
		"cmd/api/main.go":        {Data: []byte("package main\n\nfunc main() { http.ListenAndServe(\":8443\", nil) }\n")},
		"cmd/api/z.go":           {Data: []byte("package main\n")},
		"a-tools/proxy/proxy.go": {Data: []byte("package main\n\nfunc main() { http.ListenAndServe(\":9999\", nil) }\n")},
	}
	p, err := scaffold.Detect(scaffold.Options{Repo: repo, Dir: "."})
	if err != nil {
		t.Fatal(err)
	}
	if p.Language.V != "go" || p.Name.V != "api" || p.Port.V != "8443" {
		t.Errorf("language %q, name %q, port %q; want go, api, 8443", p.Language.V, p.Name.V, p.Port.V)
	}
	if p.Main.V != "./cmd/api" || p.Main.TODO != "" {
		t.Errorf("main %+v, want ./cmd/api, the package main named like the module", p.Main)
	}
	data, _ := p.Render("")
	if !strings.Contains(string(data), "language: go  # from go.mod (package.json here too: go.mod decides)\n") {
		t.Errorf("the language's comment does not name package.json:\n%s", data)
	}
}
