package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

// endings writes a text's lines ended each way an editor may save them:
// Unix, Windows, classic Mac OS, and a mix of the three.
func endings(lf string) map[string]string {
	v := lineend.Variants([]byte(lf))
	return map[string]string{"lf": lf, "crlf": string(v[0]), "cr": string(v[1]), "mixed": string(v[2])}
}

// positions lists where each value and key of a loaded definition is, as
// line:col, and each diagnostic.
func positions(t *testing.T, name, src string) []string {
	t.Helper()
	f := source.NewFile(name, []byte(src))
	doc, ds := Load(f, Options{Root: filepath.Dir(name)})
	var out []string
	at := func(what string, p source.Pos) {
		line, col := p.LineCol()
		out = append(out, fmt.Sprintf("%s %d:%d", what, line, col))
	}
	for _, d := range ds {
		at(d.Code, d.Pos)
	}
	if doc == nil {
		return out
	}
	var walk func(path string, n *Node)
	walk = func(path string, n *Node) {
		at(path, n.Pos)
		at(path+" end", n.End)
		for _, f := range n.Fields {
			at(path+"."+f.Name+" key", f.KeyPos)
			walk(path+"."+f.Name, f.Value)
		}
		for i, it := range n.Items {
			walk(fmt.Sprintf("%s[%d]", path, i), it)
		}
	}
	walk("", doc.Root)
	return out
}

// A definition reports the same line:col for every value, whichever way
// its lines end: a lone \r ends a line as \n and \r\n do.
func TestLineEndingsKeepPositions(t *testing.T) {
	inputs := map[string]string{}
	for _, ext := range []string{"yaml", "json", "cue", "jsonnet"} {
		matches, _ := filepath.Glob("../../examples/*/kiln." + ext)
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			inputs[m] = string(b)
		}
	}
	for name, src := range sameApp {
		inputs[name] = src
	}
	// Broken ones: their errors too stay where they are.
	inputs["dup.yaml"] = "a: 1\nb:\n  c: 2\nb: 3\n"
	inputs["syntax.yaml"] = "a: 1\nb: [1\nc: 2\n"
	inputs["multi.yaml"] = "a: 1\n---\nb: 2\n"
	inputs["bad.jsonnet"] = "{\n  a: 1,\n  b: error 'no',\n}\n"
	inputs["bad.cue"] = "a: 1\nb: 2\nb: 3\n"
	inputs["bad.json"] = "{\"a\": 1,\n \"b\": }\n"
	for name, lf := range inputs {
		dir := t.TempDir()
		if strings.HasSuffix(name, ".jsonnet") {
			// The Jsonnet example imports its library.
			lib, _ := os.ReadFile(filepath.Join(filepath.Dir(name), "common.libsonnet"))
			os.WriteFile(filepath.Join(dir, "common.libsonnet"), lib, 0o644)
		}
		path := filepath.Join(dir, filepath.Base(name))
		want := positions(t, path, lf)
		for kind, src := range endings(lf) {
			got := positions(t, path, src)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s with %s line endings:\n%s\nwant (lf):\n%s", name, kind, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// A definition written on one line of nearly a megabyte loads in linear
// time: every value's position and end are found without copying the
// rest of the line (it took minutes when each did).
func TestOneLineDefinition(t *testing.T) {
	var b strings.Builder
	b.WriteString("{apiVersion: kiln.dev/v1alpha1, kind: App, spec: {env: {")
	for i := 0; b.Len() < DefaultMaxBytes-100; i++ {
		fmt.Fprintf(&b, "V%d: \"x\", ", i)
	}
	b.WriteString("}}}\n")
	start := time.Now()
	doc, ds := Load(source.NewFile("kiln.yaml", []byte(b.String())), Options{})
	if doc == nil {
		t.Fatal(ds)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("loading took %s", took)
	}
}

// go-jsonnet counts columns in bytes: a value after non-ASCII text on its
// line is found where it is, not further right.
func TestJsonnetColumnsAfterNonASCII(t *testing.T) {
	src := "{ n: 'éé😀', p: 80 }\n"
	doc, ds := Load(source.NewFile(filepath.Join(t.TempDir(), "kiln.jsonnet"), []byte(src)), Options{})
	if doc == nil {
		t.Fatal(ds)
	}
	pos, _, ok := doc.Locate([]string{"p"})
	if !ok || pos.Offset != strings.Index(src, "p:") {
		t.Errorf("p at offset %d, want %d", pos.Offset, strings.Index(src, "p:"))
	}
}
