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
