package load

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// at returns "line:col" of pos and the word that starts there.
func at(f *source.File, pos source.Pos) string {
	line, col := pos.LineCol()
	rest := string(f.Content[pos.Offset:])
	if i := strings.IndexAny(rest, " \n,;)"); i >= 0 {
		rest = rest[:i]
	}
	return fmt.Sprintf("%d:%d %s", line, col, rest)
}

// A definition built by a function, or from locals and object sums, has its
// fields located where they are written: the key in the function's body,
// the value at the literal the caller passed. A value computed by code
// kiln does not follow points at the code that computed it.
func TestJsonnetPositionsFollowTheAST(t *testing.T) {
	src := `local defaults = { resources: { cpu: '100m' } };
local base = { owner: 't' };
local mk(port, image='nginx:1.27') = {
  apiVersion: 'kiln.dev/v1alpha1',
  kind: 'App',
  metadata: base { name: 'a' },
  spec: {
    image: image,
    port: port,
    resources: defaults.resources { memroy: '128Mi' },
    env: std.mergePatch({}, { A: 1 }),
    build: { version: std.join('.', ['1', '23']) },
  },
};
mk('8080') + { spec+: { replicas: 3 } }
`
	f := source.NewFile("kiln.jsonnet", []byte(src))
	doc, ds := Load(f, Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	for _, tc := range []struct {
		path string
		key  bool // the field's key rather than its value
		want string
	}{
		{"spec.resources.memroy", true, "10:37 memroy:"},
		{"spec.port", true, "9:5 port:"},
		{"spec.port", false, "15:4 '8080'"},        // the argument, at the call
		{"spec.image", false, "3:22 'nginx:1.27'"}, // the parameter's default
		{"metadata.owner", true, "2:16 owner:"},    // from the left of an object sum
		{"metadata.name", true, "6:20 name:"},
		{"spec.resources.cpu", true, "1:33 cpu:"},  // through a local's field
		{"spec.replicas", true, "15:25 replicas:"}, // a +: override
		// Computed by the standard library: the expression that computed it.
		{"spec.env.A", true, "11:10 std.mergePatch({}"},
		{"spec.env.A", false, "11:10 std.mergePatch({}"},
		{"spec.build.version", false, "12:23 std.join('.'"},
	} {
		path := strings.Split(tc.path, ".")
		if tc.want == "" {
			if n := doc.Lookup(path); n != nil {
				t.Errorf("%s exists", tc.path)
			}
			continue
		}
		var pos source.Pos
		if tc.key {
			pos, _, _ = doc.Locate(path)
		} else {
			pos = doc.Lookup(path).Pos
		}
		if got := at(f, pos); got != tc.want {
			t.Errorf("%s (key=%v) at %q, want %q", tc.path, tc.key, got, tc.want)
		}
	}
}

// Resolving a name never loops, whatever the definition does with it.
func TestJsonnetPositionsOfRecursiveDefinitions(t *testing.T) {
	src := `local f(n, o) = if n == 0 then o else f(n - 1, o { ['k' + n]: n });
local g(x) = x;
{ a: f(3, { z: 1 }), b: g(g(g({ y: 2 }))) }
`
	f := source.NewFile("kiln.jsonnet", []byte(src))
	doc, ds := Load(f, Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if got := at(f, doc.Lookup([]string{"a", "z"}).Pos); got != "3:6 f(3" {
		t.Errorf("a.z at %q, want the call", got)
	}
	if pos, _, _ := doc.Locate([]string{"b", "y"}); at(f, pos) != "3:33 y:" {
		t.Errorf("b.y at %q", at(f, pos))
	}
}
