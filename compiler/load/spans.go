package load

import (
	"math"
	"strconv"

	"github.com/kilnhq/kiln/compiler/source"
)

// Spans are where a document's values and keys are written: what Locate
// needs of its Node tree, in a fraction of the tree's memory, for a caller
// that keeps many documents' positions and their values apart (kiln
// lint's inventory holds every file of a run until the guardrails have
// judged them all). A Node takes 104 bytes (112 allocated) and a Field
// 56 beside it; a span takes 32.
type Spans struct {
	file  *source.File
	nodes []span // the nodes in pre-order: each before its fields' values or items
	tree  *Node  // when a position is not in file (never from the loaders): the tree itself
}

// A span is one node. Locate reports a field's key, a list item's value
// and the root's start, never two of them for one node, so a span holds
// one: from and to are the key of a field's value, the value of a list
// item, and the start (twice) of the root.
type span struct {
	name     string // the field's name, for a value of a Map's field
	from, to int32
	next     int32 // the index after the node's subtree: its next sibling's
	kind     uint8 // a Kind
}

// NewSpans returns the spans of the document n, whose positions are in f.
func NewSpans(f *source.File, n *Node) *Spans {
	s := &Spans{file: f, nodes: make([]span, 0, count(n))} // no slack: they are kept
	if !s.add(n, "", n.Pos, n.Pos) {
		return &Spans{file: f, tree: n}
	}
	return s
}

// count returns the number of nodes in n's tree.
func count(n *Node) int {
	c := 1
	for _, f := range n.Fields {
		c += count(f.Value)
	}
	for _, it := range n.Items {
		c += count(it)
	}
	return c
}

// add appends n, the value of field name ("" for the root or a list
// item), with the span Locate reports for it, and its subtree, and
// reports whether every position is one of s.file's.
func (s *Spans) add(n *Node, name string, from, to source.Pos) bool {
	sp := span{name: name, kind: uint8(n.Kind)}
	ok := s.offset(from, &sp.from) && s.offset(to, &sp.to)
	i := len(s.nodes)
	s.nodes = append(s.nodes, sp)
	for _, f := range n.Fields {
		ok = ok && s.add(f.Value, f.Name, f.KeyPos, f.KeyEnd)
	}
	for _, it := range n.Items {
		ok = ok && s.add(it, "", it.Pos, it.End)
	}
	if len(s.nodes) > math.MaxInt32 {
		return false
	}
	s.nodes[i].next = int32(len(s.nodes))
	return ok
}

func (s *Spans) offset(p source.Pos, out *int32) bool {
	if p.File != s.file || p.Offset < 0 || p.Offset > math.MaxInt32 {
		return false
	}
	*out = int32(p.Offset)
	return true
}

// Pos is where the document starts.
func (s *Spans) Pos() source.Pos {
	if s.tree != nil {
		return s.tree.Pos
	}
	return s.file.Pos(int(s.nodes[0].from))
}

// Locate returns what Doc.Locate returns for the document: the span that
// best explains path, and whether the whole path was found.
func (s *Spans) Locate(path []string) (pos, end source.Pos, found bool) {
	if s.tree != nil {
		return (&Doc{File: s.file, Root: s.tree}).Locate(path)
	}
	n := 0
	for _, elem := range path {
		c := -1
		switch Kind(s.nodes[n].kind) {
		case Map:
			c = s.child(n, func(c, _ int) bool { return s.nodes[c].name == elem })
		case List:
			if i, err := strconv.Atoi(elem); err == nil && i >= 0 {
				c = s.child(n, func(_, k int) bool { return k == i })
			}
		}
		if c < 0 {
			return s.file.Pos(int(s.nodes[n].from)), s.file.Pos(int(s.nodes[n].to)), false
		}
		n = c
	}
	return s.file.Pos(int(s.nodes[n].from)), s.file.Pos(int(s.nodes[n].to)), true
}

// child returns the index of the first child of node n (the k-th, from 0,
// at index c) that match accepts, or -1.
func (s *Spans) child(n int, match func(c, k int) bool) int {
	for c, k := n+1, 0; c < int(s.nodes[n].next); c, k = int(s.nodes[c].next), k+1 {
		if match(c, k) {
			return c
		}
	}
	return -1
}
