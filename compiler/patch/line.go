package patch

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Line returns the line (from 1) of text, a patch, that writes field (a
// field of a patched object, as path elements), so that a finding about
// what the patch did lands on the operation or key that did it: for a JSON
// patch, the last operation whose path is the field, inside it or above
// it; for a strategic merge patch, the deepest key along the field. It
// returns 0 when the text says nothing of the field.
func Line(text string, field []string) int {
	var root yaml.Node
	if yaml.Unmarshal([]byte(text), &root) != nil || len(root.Content) == 0 {
		return 0
	}
	doc := root.Content[0]
	if doc.Kind == yaml.SequenceNode {
		return operationLine(doc, field)
	}
	return keyLine(doc, field)
}

func operationLine(ops *yaml.Node, field []string) int {
	line := 0
	for _, op := range ops.Content {
		if path := member(op, "path"); path != nil && related(pointer(path.Value), field) {
			line = op.Line
		}
	}
	return line
}

// member returns the value of key in a mapping node, or nil.
func member(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// related reports whether one of a and b is a prefix of the other, "-"
// (a JSON patch's end of a list) matching any index.
func related(a, b []string) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] && !(a[i] == "-" && isIndex(b[i])) && !(b[i] == "-" && isIndex(a[i])) {
			return false
		}
	}
	return true
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// keyLine follows field through a strategic merge patch's mappings. A list
// is followed only when it holds one item: the patch's lists merge by key,
// so their indexes are not the object's.
func keyLine(n *yaml.Node, field []string) int {
	line := 0
	for _, elem := range field {
		switch {
		case n.Kind == yaml.MappingNode:
			v := member(n, elem)
			if v == nil {
				return line
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i+1] == v {
					line = n.Content[i].Line
				}
			}
			n = v
		case n.Kind == yaml.SequenceNode && len(n.Content) == 1 && isIndex(elem):
			n = n.Content[0]
		default:
			return line
		}
	}
	return line
}
