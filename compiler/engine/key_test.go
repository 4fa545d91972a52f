package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/source"
)

type inner struct {
	Path string
	N    int
}

type kinds struct {
	S     string
	B     []byte
	T     bool
	I     int64
	U     uint8
	F     float64
	L     []string
	A     [2]int
	M     map[string]int
	P     *inner
	Nil   *inner
	Any   any
	File  *source.File
	When  time.Time
	Inner inner
}

func sumOf(t *testing.T, in any) (cache.ActionID, string) {
	t.Helper()
	var trace bytes.Buffer
	h := cache.NewHash("test", &trace)
	if err := HashInput(h, in); err != nil {
		t.Fatal(err)
	}
	return h.Sum(), trace.String()
}

// HashInput writes each kind under its field's path, as these labels and
// values: the encoding a key's trace shows.
func TestHashInputWritesEachKindByName(t *testing.T) {
	in := kinds{
		S: "s", B: []byte("b"), T: true, I: -3, U: 7, F: 1.5,
		L: []string{"x", "y"}, A: [2]int{1, 2}, M: map[string]int{"b": 2, "a": 1},
		P: &inner{Path: "p", N: 1}, Any: inner{Path: "q"},
		File: source.NewFile("app.yaml", []byte("name: a\n")),
		When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)),
	}
	got, _ := sumOf(t, in)

	want := cache.NewHash("test", nil)
	for _, kv := range [][2]string{
		{"S", "s"}, {"B", "b"}, {"T", "true"}, {"I", "-3"}, {"U", "7"}, {"F", "1.5"},
		{"L len", "2"}, {"L[0]", "x"}, {"L[1]", "y"},
		{"A len", "2"}, {"A[0]", "1"}, {"A[1]", "2"},
		{"M len", "2"}, {`M["a"]`, "1"}, {`M["b"]`, "2"},
		{"P.Path", "p"}, {"P.N", "1"}, {"Nil nil", ""},
		{"Any type", "engine.inner"}, {"Any.Path", "q"}, {"Any.N", "0"},
		{"File.Name", "app.yaml"}, {"File.Content", "name: a\n"},
		{"When", "2026-01-02T02:04:05.000000006Z"},
		{"Inner.Path", ""}, {"Inner.N", "0"},
	} {
		want.AddString(kv[0], kv[1])
	}
	if got != want.Sum() {
		_, trace := sumOf(t, in)
		t.Errorf("the key is not the documented encoding; trace:\n%s", trace)
	}
}

func TestHashInputIsCanonical(t *testing.T) {
	type in struct {
		M map[string]int
		L [][]string
		P *string
		W time.Time
	}
	a := map[string]int{}
	b := map[string]int{}
	for i := range 50 {
		a[strings.Repeat("k", i)] = i
		b[strings.Repeat("k", 49-i)] = 49 - i
	}
	now := time.Now()
	k1, _ := sumOf(t, in{M: a, W: now})
	k2, _ := sumOf(t, in{M: b, W: now.In(time.FixedZone("elsewhere", -7200))})
	if k1 != k2 {
		t.Error("equal maps, or one instant in two zones, hash apart")
	}
	if x, y := mustSum(t, in{L: [][]string{{"a"}, {}}}), mustSum(t, in{L: [][]string{{"a"}}}); x == y {
		t.Error("a trailing empty slice is not in the key")
	}
	if x, y := mustSum(t, in{L: [][]string{{"a", "b"}}}), mustSum(t, in{L: [][]string{{"a"}, {"b"}}}); x == y {
		t.Error("two shapes of the same strings hash alike")
	}
	empty := ""
	if x, y := mustSum(t, in{}), mustSum(t, in{P: &empty}); x == y {
		t.Error("a nil pointer hashes as a pointer to the zero value")
	}
	// Nil and empty are the same input to any computation.
	if x, y := mustSum(t, in{}), mustSum(t, in{M: map[string]int{}, L: [][]string{}}); x != y {
		t.Error("nil and empty hash apart")
	}
	// A *source.File is its name and content, not its derived state.
	type files struct{ F *source.File }
	if x, y := mustSum(t, files{source.NewFile("a", []byte("x\r"))}), mustSum(t, files{&source.File{Name: "a", Content: []byte("x\r")}}); x != y {
		t.Error("a source.File's derived state is in the key")
	}
}

func mustSum(t *testing.T, in any) cache.ActionID {
	t.Helper()
	id, _ := sumOf(t, in)
	return id
}

func TestHashInputRefusesWhatItCannotHash(t *testing.T) {
	type withFunc struct {
		Name string
		Read func(string) ([]byte, error)
	}
	type withChan struct{ Done chan struct{} }
	type withHidden struct {
		Name   string
		hidden string
	}
	type deep struct{ Opts struct{ Log func(string) } }
	type boxed struct{ V any }
	type structKeys struct{ M map[inner]int }
	type cycle struct {
		Name string
		Next *cycle
	}
	loop := &cycle{Name: "a"}
	loop.Next = loop
	for _, c := range []struct {
		in   any
		want string
	}{
		{withFunc{}, "field Read (func(string) ([]uint8, error)) cannot be hashed"},
		{withChan{}, "field Done (chan struct {})"},
		{withHidden{}, "field hidden (string) is unexported"},
		{deep{}, "field Opts.Log"},
		{boxed{V: func() {}}, "field V (func())"},
		{structKeys{M: map[inner]int{{}: 1}}, "field M: a map keyed by engine.inner"},
		{loop, "field Next (*engine.cycle) points back to itself"},
	} {
		err := HashInput(cache.NewHash("test", nil), c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: got %v, want an error with %q", c.in, err, c.want)
		}
	}
}

// A value reached twice by different paths is written twice, and is no
// cycle: only a pointer back to a value on the path walked is.
func TestHashInputSharedPointersAreNoCycle(t *testing.T) {
	type node struct {
		Name string
		Next *node
	}
	type pair struct {
		A, B *node
		L    []*node
	}
	leaf := &node{Name: "leaf"}
	mid := &node{Name: "mid", Next: leaf}
	_, trace := sumOf(t, pair{A: mid, B: mid, L: []*node{leaf, mid, leaf}})
	for _, want := range []string{"A.Next.Name", "B.Next.Name", "L[0].Name", "L[1].Next.Name", "L[2].Name"} {
		if !strings.Contains(trace, ": "+want+" ") {
			t.Errorf("%s is not written:\n%s", want, trace)
		}
	}
	// A struct and its first field share an address.
	type first struct {
		X int
		P *int
	}
	x := &first{X: 1}
	x.P = &x.X
	if _, trace := sumOf(t, x); !strings.Contains(trace, ": P ") {
		t.Errorf("P is not written:\n%s", trace)
	}
}

func TestTaggedFieldsAreLeftOut(t *testing.T) {
	type in struct {
		Name string
		Read func(string) ([]byte, error) `key:"-"`
		Ctx  context.Context              `key:"-"`
		Note string                       `key:"-"`
		memo map[string]string            `key:"-"`
	}
	a, trace := sumOf(t, in{Name: "a", Note: "one", Read: func(string) ([]byte, error) { return nil, nil }})
	b, _ := sumOf(t, in{Name: "a", Note: "two", Ctx: context.Background(), memo: map[string]string{}})
	if a != b {
		t.Error("a field tagged key:\"-\" changed the key")
	}
	if strings.Contains(trace, "Note") || strings.Contains(trace, "Read") {
		t.Errorf("a tagged field is in the trace:\n%s", trace)
	}
}

type digest struct{ sum string }

func (d digest) HashKey(h *cache.Hash, name string) { h.AddString(name+".sum", d.sum) }

type counter struct{ n int }

func (c *counter) HashKey(h *cache.Hash, name string) { h.AddString(name, strings.Repeat("i", c.n)) }

func TestKeyHashersHashThemselves(t *testing.T) {
	type in struct {
		D digest
		C counter
		P *counter
	}
	a, trace := sumOf(t, in{D: digest{"x"}, C: counter{1}, P: &counter{2}})
	for _, want := range []string{": D.sum 1 bytes", ": C 1 bytes", ": P 2 bytes"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, trace)
		}
	}
	for _, other := range []in{{D: digest{"y"}, C: counter{1}, P: &counter{2}}, {D: digest{"x"}, C: counter{2}, P: &counter{2}}, {D: digest{"x"}, C: counter{1}}} {
		if b, _ := sumOf(t, other); a == b {
			t.Errorf("%+v hashes as %+v", other, in{})
		}
	}
}

// BenchmarkHashInput keys an input of the shape of kiln check's: a
// definition, a few strings and byte slices, and maps of test files, as a
// warm check keys every app of the repository.
func BenchmarkHashInput(b *testing.B) {
	type app struct {
		Shared           []byte
		Definition       *source.File
		Root             string
		ReadError        string
		Dockerfile       *source.File
		DockerfileErrors []string
		Day              string
		Skipped          func() `key:"-"`
	}
	in := struct {
		App       app
		Tests     map[string]string
		Snapshots map[string]string
		Committed map[string]string
		Leftovers []string
		Reader    func() `key:"-"`
	}{
		App:   app{Shared: make([]byte, 32), Definition: source.NewFile("/repo/apps/app0001/kiln.yaml", bytes.Repeat([]byte("a: b\n"), 100)), Root: "/repo"},
		Tests: map[string]string{"/repo/apps/app0001/kiln_test.yaml": strings.Repeat("0", 64)},
	}
	for b.Loop() {
		if err := HashInput(cache.NewHash("check", nil), in); err != nil {
			b.Fatal(err)
		}
	}
}
