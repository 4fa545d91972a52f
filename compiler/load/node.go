package load

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/source"
)

// Kind is the kind of value a Node holds.
type Kind int

const (
	Null Kind = iota
	Bool
	Number
	String
	Map
	List
)

func (k Kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "list"}[k]
}

// A Node is one value of a loaded document with its position.
type Node struct {
	Kind   Kind
	Pos    source.Pos // start of the value's text
	End    source.Pos // end of the value's text (exclusive); may equal Pos
	Scalar any        // nil, bool, json.Number or string, by Kind
	Fields []Field    // Map: fields in source order, names unique
	Items  []*Node    // List
}

// A Field is one key of a Map with its value.
type Field struct {
	Name   string
	KeyPos source.Pos
	KeyEnd source.Pos
	Value  *Node
}

// Format is the language a definition is written in.
type Format string

const (
	YAML    Format = "yaml"
	JSON    Format = "json"
	CUE     Format = "cue"
	Jsonnet Format = "jsonnet"
)

// A Doc is one loaded app definition.
type Doc struct {
	File   *source.File
	Format Format
	Root   *Node
	// Imports are the files the definition read besides itself (Jsonnet
	// imports), sorted: inputs a cache key must cover.
	Imports []string
}

// Field returns the field called name of a Map node, or nil.
func (n *Node) Field(name string) *Field {
	if n == nil {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Name == name {
			return &n.Fields[i]
		}
	}
	return nil
}

// Value returns n as plain Go data, as encoding/json would decode it with
// UseNumber: map[string]any, []any, string, json.Number, bool or nil.
func (n *Node) Value() any {
	switch n.Kind {
	case Map:
		m := make(map[string]any, len(n.Fields))
		for _, f := range n.Fields {
			m[f.Name] = f.Value.Value()
		}
		return m
	case List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.Value()
		}
		return l
	}
	return n.Scalar
}

// String returns a scalar's value as the user would write it, for messages.
func (n *Node) String() string {
	switch v := n.Scalar.(type) {
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return n.Kind.String()
}

// Locate returns the span in the source that best explains path: the key of
// the deepest field along path that exists (its value for a list item), and
// whether the whole path was found. An empty path locates the whole
// document. Path elements are field names or list indexes in decimal.
func (d *Doc) Locate(path []string) (pos, end source.Pos, found bool) {
	n := d.Root
	pos, end = n.Pos, n.Pos
	for _, elem := range path {
		switch n.Kind {
		case Map:
			f := n.Field(elem)
			if f == nil {
				return pos, end, false
			}
			pos, end, n = f.KeyPos, f.KeyEnd, f.Value
		case List:
			i, err := strconv.Atoi(elem)
			if err != nil || i < 0 || i >= len(n.Items) {
				return pos, end, false
			}
			n = n.Items[i]
			pos, end = n.Pos, n.End
		default:
			return pos, end, false
		}
	}
	return pos, end, true
}

// Lookup returns the node at path, or nil.
func (d *Doc) Lookup(path []string) *Node {
	n := d.Root
	for _, elem := range path {
		switch n.Kind {
		case Map:
			f := n.Field(elem)
			if f == nil {
				return nil
			}
			n = f.Value
		case List:
			i, err := strconv.Atoi(elem)
			if err != nil || i < 0 || i >= len(n.Items) {
				return nil
			}
			n = n.Items[i]
		default:
			return nil
		}
	}
	return n
}

// LocateLine returns the span of line (1-based) of the string at path, as
// the source writes it: a YAML block scalar, a Jsonnet text block, a CUE
// multi-line string or a JSON string with \n escapes. Each line of the
// string is found in turn after the previous one, with only line breaks
// and indentation between; it reports false for a string whose lines the
// source does not hold as they are (a folded or escaped string).
func (d *Doc) LocateLine(path []string, line int) (pos, end source.Pos, ok bool) {
	n := d.Lookup(path)
	if n == nil || n.Kind != String || line < 1 || !n.Pos.Valid() {
		return pos, end, false
	}
	lines := strings.Split(n.Scalar.(string), "\n")
	if line > len(lines) {
		return pos, end, false
	}
	// The string may be written in another file than d's: a config
	// test's set puts its own nodes in the definition.
	f := n.Pos.File
	src := f.Content
	at := n.Pos.Offset
	opening := true // before the first line: the string's opening (|-, """, |||, ")
	for i, l := range lines[:line] {
		text := strings.TrimSpace(l)
		if text == "" {
			if i == line-1 {
				return pos, end, false
			}
			continue
		}
		j := bytes.Index(src[at:], []byte(text))
		if j < 0 || !onlyBreaks(src[at:at+j], opening) {
			return pos, end, false
		}
		at += j
		if i == line-1 {
			return f.Pos(at), f.Pos(at + len(text)), true
		}
		at += len(text)
		opening = false
	}
	return pos, end, false
}

// onlyBreaks reports whether gap, the source between two lines of a
// string, holds only what writes a line break and indentation (and, before
// the first line, what opens the string).
func onlyBreaks(gap []byte, opening bool) bool {
	s := strings.NewReplacer(`\n`, "", `\r`, "", `\t`, "").Replace(string(gap))
	cut := " \t\r\n"
	if opening {
		cut += `|-+>"'0123456789`
	}
	return strings.Trim(s, cut) == ""
}
