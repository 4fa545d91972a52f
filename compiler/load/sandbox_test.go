package load

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// Workers are this test binary, started again.
func TestMain(m *testing.M) {
	sandbox.ServeIfWorker()
	os.Exit(m.Run())
}

// hostile are definitions that evaluate without end in memory or time;
// each must end in its positioned diagnostic, and the worker within its
// budget.
var hostile = []struct {
	name, src, code, at string
}{
	{"kiln.jsonnet", "std.length(std.makeArray(200000000, function(i) i))", "load/jsonnet-memory", "std.length"},
	{"kiln.jsonnet", "local s(n) = if n == 0 then 'x' else local t = s(n-1); t + t;\nstd.length(s(34))", "load/jsonnet-memory", "std.length"},
	{"kiln.jsonnet", "std.length(std.join('', std.makeArray(30000000, function(i) 'abcdefgh')))", "load/jsonnet-memory", "std.length"},
	{"kiln.cue", "import \"list\"\n\nx: [for i in list.Range(0, 100000000, 1) {i}]\n", "load/cue-memory", "x:"},
	{"kiln.cue", "import \"encoding/json\"\n\n" + doubled(29) + "out: json.Marshal(_f29)\n", "", "_f0"},
}

// doubled is a CUE structure of 2^n leaves written in n lines.
func doubled(n int) string {
	var b strings.Builder
	b.WriteString("_f0: {a: 1, b: 2}\n")
	for i := 1; i <= n; i++ {
		b.WriteString("_f" + strconv.Itoa(i) + ": {a: _f" + strconv.Itoa(i-1) + ", b: _f" + strconv.Itoa(i-1) + "}\n")
	}
	return b.String()
}

// dump writes a load's result with every position, for comparison.
func dump(doc *Doc, ds diag.List) string {
	var b strings.Builder
	var walk func(indent string, n *Node)
	walk = func(indent string, n *Node) {
		l1, c1 := n.Pos.LineCol()
		l2, c2 := n.End.LineCol()
		fmt.Fprintf(&b, "%s%v %d:%d-%d:%d %#v\n", indent, n.Kind, l1, c1, l2, c2, n.Scalar)
		for _, f := range n.Fields {
			kl, kc := f.KeyPos.LineCol()
			fmt.Fprintf(&b, "%s%s@%d:%d\n", indent, f.Name, kl, kc)
			walk(indent+"  ", f.Value)
		}
		for _, it := range n.Items {
			walk(indent+"- ", it)
		}
	}
	if doc != nil {
		walk("", doc.Root)
		fmt.Fprintf(&b, "imports %q\n", doc.Imports)
	}
	for _, d := range ds {
		l, c := d.Pos.LineCol()
		fmt.Fprintf(&b, "%d:%d %s %s\n", l, c, d.Code, d.Message)
	}
	return b.String()
}

func TestSandboxBoundsHostileEvaluations(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates to the budget")
	}
	const budget = 256 << 20
	for _, tc := range hostile {
		t.Run(tc.name+"/"+tc.code, func(t *testing.T) {
			pool := sandbox.New(1)
			f := source.NewFile(tc.name, []byte(tc.src))
			start := time.Now()
			// A case the memory bound must end gets a time bound it cannot
			// reach first, even on a loaded machine that allocates slowly.
			timeout := 3 * time.Second
			if tc.code != "" {
				timeout = 60 * time.Second
			}
			_, ds := Load(f, Options{Sandbox: pool, Memory: budget, EvalTimeout: timeout})
			elapsed := time.Since(start)
			pool.Close()
			if len(ds) != 1 || !Interrupted(ds) || (tc.code != "" && ds[0].Code != tc.code) {
				t.Fatalf("got %v, want one %s", ds, tc.code)
			}
			if off := ds[0].Pos.Offset; !strings.HasPrefix(tc.src[off:], tc.at) {
				t.Errorf("reported at %q, want at %q", tc.src[off:min(off+20, len(tc.src))], tc.at)
			}
			if peak := pool.PeakRSS(); peak > budget+192<<20 {
				t.Errorf("the worker peaked at %d MiB for a budget of %d MiB", peak>>20, budget>>20)
			}
			t.Logf("%s after %v, worker peak RSS %d MiB", ds[0].Code, elapsed.Round(time.Millisecond), pool.PeakRSS()>>20)
		})
	}
}

// A sandboxed load answers as an in-process one: the same tree, the same
// positions, the same imports, the same mistakes.
func TestSandboxAgreesWithInProcess(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/lib.libsonnet", []byte("{ port: 8080 }"), 0o644); err != nil {
		t.Fatal(err)
	}
	pool := sandbox.New(1)
	defer pool.Close()
	for _, tc := range []struct{ name, src string }{
		{"kiln.jsonnet", "local lib = import 'lib.libsonnet';\n{ name: 'shop', spec: { port: lib.port, replicas: 1 + 2 } }"},
		{"kiln.jsonnet", "{ name: error 'no name' }"},
		{"kiln.cue", "name: \"shop\"\nspec: {\n\tport: 8080\n\tratio: 1.5\n\ton: true\n\tnone: null\n\tlist: [1, \"a\"]\n}\n"},
		{"kiln.cue", "name: string\n"},
		{"kiln.cue", "name: \"shop\"\r\nspec: port: 80\r"},
	} {
		f := source.NewFile(dir+"/"+tc.name, []byte(tc.src))
		want, wantDs := Load(f, Options{})
		got, gotDs := Load(f, Options{Sandbox: pool})
		if a, b := dump(want, wantDs), dump(got, gotDs); a != b {
			t.Errorf("%s %q:\nin process:\n%s\nin a sandbox:\n%s", tc.name, tc.src, a, b)
		}
	}
}

func TestSandboxCancel(t *testing.T) {
	pool := sandbox.New(1)
	defer pool.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	f := source.NewFile("kiln.jsonnet", []byte("local f(n) = if n == 0 then 0 else f(n-1) + 1;\nstd.foldl(function(a, i) a + f(400), std.range(1, 1000000), 0)"))
	_, ds := Load(f, Options{Sandbox: pool, Context: ctx, EvalTimeout: time.Minute})
	if len(ds) != 1 || ds[0].Code != "load/jsonnet-cancelled" {
		t.Fatalf("got %v, want load/jsonnet-cancelled", ds)
	}
}
