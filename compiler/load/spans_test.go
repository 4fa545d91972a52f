package load

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"unsafe"

	"github.com/kilnhq/kiln/compiler/source"
)

// Spans locate every path of a document, and paths that go astray, as
// the document's tree does.
func TestSpansLocateAsTheTree(t *testing.T) {
	var files []string
	filepath.WalkDir("../lint/testdata", func(path string, _ fs.DirEntry, _ error) error {
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	srcs := map[string][]byte{"anchors.yaml": []byte("base: &b {x: 1, y: [a, b]}\nm:\n  <<: *b\n  z: *b\nl: [[1, [2]], {}, []]\ns: \"q\"\n---\n- 1\n- k: v\n")}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		srcs[name] = b
	}
	checked := 0
	for name, b := range srcs {
		f := source.NewFile(name, b)
		nodes, ds := Stream(f, Options{Format: YAML})
		if ds != nil {
			continue // a file of syntax errors
		}
		for _, n := range nodes {
			s := NewSpans(f, n)
			if s.tree != nil {
				t.Errorf("%s: a position is not in the file", name)
			}
			d := &Doc{File: f, Root: n}
			for _, path := range paths(n, nil) {
				checked++
				p1, e1, ok1 := d.Locate(path)
				p2, e2, ok2 := s.Locate(path)
				if p1 != p2 || e1 != e2 || ok1 != ok2 {
					t.Errorf("%s %q: spans say %v %v %v, the tree %v %v %v", name, path, p2.Offset, e2.Offset, ok2, p1.Offset, e1.Offset, ok1)
				}
			}
			if s.Pos() != n.Pos {
				t.Errorf("%s: Pos %v, the tree's %v", name, s.Pos(), n.Pos)
			}
		}
	}
	t.Logf("%d files, %d paths", len(srcs), checked)
	if checked < 1000 {
		t.Errorf("only %d paths checked", checked)
	}
}

// paths returns every path in n, each followed by paths that leave it:
// an unknown field, an index past the end, a step into a scalar.
func paths(n *Node, at []string) [][]string {
	out := [][]string{at, append(append([]string(nil), at...), "nosuch"), append(append([]string(nil), at...), "-1")}
	for _, f := range n.Fields {
		out = append(out, paths(f.Value, append(append([]string(nil), at...), f.Name))...)
	}
	for i, it := range n.Items {
		out = append(out, paths(it, append(append([]string(nil), at...), strconv.Itoa(i)))...)
	}
	return append(out, append(append([]string(nil), at...), strconv.Itoa(len(n.Items))))
}

// A position outside the file keeps the tree, and Locate answers from it.
func TestSpansForeignPosition(t *testing.T) {
	f, other := source.NewFile("a.yaml", []byte("a: 1\n")), source.NewFile("b.yaml", []byte("b: 2\n"))
	n := &Node{Kind: Map, Pos: f.Pos(0), End: f.Pos(4), Fields: []Field{{Name: "a", KeyPos: other.Pos(0), KeyEnd: other.Pos(1), Value: &Node{Kind: Number, Pos: f.Pos(3), End: f.Pos(4)}}}}
	s := NewSpans(f, n)
	if s.tree == nil {
		t.Fatal("spans of a foreign position dropped the tree")
	}
	if p, _, ok := s.Locate([]string{"a"}); !ok || p.File != other {
		t.Errorf("Locate(a) = %v %v", p, ok)
	}
}

// A span is the size the comment of Spans says.
func TestSpanSize(t *testing.T) {
	if got := unsafe.Sizeof(span{}); got != 32 {
		t.Errorf("a span takes %d bytes", got)
	}
	if got := reflect.TypeFor[Node]().Size(); got != 104 {
		t.Errorf("a Node takes %d bytes", got)
	}
}
