package load

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// A line of a multi-line string is found where each format writes it.
func TestLocateLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string // line:col, or "" when the source does not hold the line as it is
	}{
		{"kiln.yaml", "a:\n  p: |-\n    - op: add\n      path: /x\n    - op: remove\n", 3, "5:5"},
		{"kiln.yaml", "a:\n  p: |-\n    - op: add\n      path: /x\n", 2, "4:7"},
		{"kiln.yaml", "a:\n  p: |-\n    - op: add\n\n    - op: remove\n", 2, ""}, // an empty line
		{"kiln.json", `{"a": {"p": "- op: add\n  path: /x\n- op: remove"}}`, 3, "1:37"},
		{"kiln.jsonnet", "{ a: { p: |||\n  - op: add\n    path: /x\n||| } }", 2, "3:5"},
		{"kiln.yaml", "a:\n  p: >-\n    one\n    two\n", 1, ""}, // folded: "one two" is not written
		{"kiln.yaml", "a: {p: \"x\"}\nb: \"- op: add\"\n", 1, "1:9"},
		{"kiln.yaml", "a: {p: \"x\\ny\"}\nb: y\n", 2, "1:12"},
		{"kiln.yaml", "a: {p: \"x\\nz\"}\nb: z\n", 3, ""},               // no such line
		{"kiln.yaml", "a: {p: \"x\\n\\\"q\\\"\"}\nb: '\"q\"'\n", 2, ""}, // escaped: not found as written
	} {
		f := source.NewFile(filepath.Join(t.TempDir(), tc.name), []byte(tc.src))
		doc, ds := Load(f, Options{})
		if len(ds) > 0 {
			t.Fatalf("%q: %v", tc.src, ds)
		}
		pos, _, ok := doc.LocateLine([]string{"a", "p"}, tc.line)
		got := ""
		if ok {
			l, c := pos.LineCol()
			got = fmt.Sprintf("%d:%d", l, c)
		}
		if got != tc.want {
			t.Errorf("%s %q line %d at %q, want %q", tc.name, tc.src, tc.line, got, tc.want)
		}
	}
}

// A string grafted from another file (a config test's set) is found in
// that file, not at its offsets in the definition's.
func TestLocateLineInAnotherFile(t *testing.T) {
	def, _ := Load(source.NewFile("kiln.yaml", []byte("a: {p: x}\n")), Options{})
	test, _ := Load(source.NewFile("kiln_test.yaml", []byte("set:\n  p: |-\n    - op: add\n    - op: remove\n")), Options{})
	def.Root.Field("a").Value.Field("p").Value = test.Root.Field("set").Value.Field("p").Value
	pos, _, ok := def.LocateLine([]string{"a", "p"}, 2)
	if !ok {
		t.Fatal("line 2 not found")
	}
	if l, c := pos.LineCol(); pos.File.Name != "kiln_test.yaml" || l != 4 || c != 5 {
		t.Errorf("at %s:%d:%d, want kiln_test.yaml:4:5", pos.File.Name, l, c)
	}
}
