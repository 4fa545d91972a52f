package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// seeds adds every example definition and a few known-bad inputs, each
// also with its lines ended by \r\n, by a lone \r and by a mix.
func seeds(f *testing.F, ext string) {
	var all [][]byte
	matches, _ := filepath.Glob("../../examples/*/kiln." + ext)
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		all = append(all, b)
	}
	for _, s := range []string{"", "a: [", "a: 1\na: 2", "\t- x", "{\"a\":", "x: *y", "---\n---\n", "a: &a [*a]", "\xff\xfe",
		"a: \"x\"\nb: 'y'\nc: |\n  z\n", "a: 1\u2028b: 2\u0085c: 3\n", "// c\n{a: 1}\n", "a: |||\n  x\n|||\n"} {
		all = append(all, []byte(s))
	}
	for _, b := range all {
		f.Add(b)
		for _, v := range lineend.Variants(b) {
			f.Add(v)
		}
	}
	for _, h := range hostileSeeds[ext] { // each costs its budget: once
		f.Add([]byte(h))
	}
}

// fuzzPool evaluates the fuzzers' Jsonnet and CUE, as kiln does, so that
// a seed or a found input that grows without end ends a worker, not the
// fuzzer.
var fuzzPool = sandbox.New(1)

// hostile seeds grow without end, in memory or time.
var hostileSeeds = map[string][]string{
	"jsonnet": {"std.length(std.makeArray(200000000, function(i) i))",
		"local s(n) = if n == 0 then 'x' else local t = s(n-1); t + t;\nstd.length(s(34))"},
	"cue": {"import \"list\"\n\nx: [for i in list.Range(0, 100000000, 1) {i}]\n"},
}

// fuzzLoad checks Load's invariants on any input: it returns, it never
// returns both a Doc and errors, and every position lies inside the file.
func fuzzLoad(t *testing.T, name string, src []byte) {
	file := source.NewFile(name, src)
	doc, ds := Load(file, Options{Root: t.TempDir(), EvalTimeout: 2e9, Sandbox: fuzzPool, Memory: 128 << 20})
	for _, d := range ds {
		if !d.Pos.Valid() || d.Pos.File != file || d.Pos.Offset > len(src) {
			t.Fatalf("diagnostic with a position outside the file: %+v", d)
		}
		if d.Message == "" || d.Code == "" {
			t.Fatalf("diagnostic without a message or code: %+v", d)
		}
	}
	if ds.HasErrors() != (doc == nil) {
		t.Fatalf("doc=%v with errors=%v", doc != nil, ds.HasErrors())
	}
	if doc != nil {
		var walk func(n *Node)
		walk = func(n *Node) {
			if n.Pos.File != file || n.Pos.Offset < 0 || n.Pos.Offset > len(src) {
				t.Fatalf("node position %d outside the file of %d bytes", n.Pos.Offset, len(src))
			}
			for _, f := range n.Fields {
				walk(f.Value)
			}
			for _, it := range n.Items {
				walk(it)
			}
		}
		walk(doc.Root)
	}
}

func FuzzLoadYAML(f *testing.F) {
	seeds(f, "yaml")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "kiln.yaml", src) })
}

func FuzzLoadJSON(f *testing.F) {
	seeds(f, "json")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "kiln.json", src) })
}

func FuzzLoadCUE(f *testing.F) {
	seeds(f, "cue")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "kiln.cue", src) })
}

func FuzzLoadJsonnet(f *testing.F) {
	seeds(f, "jsonnet")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "kiln.jsonnet", src) })
}
