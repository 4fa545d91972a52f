package schema

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A FieldDoc describes one field of the app definition, for `kiln explain`
// and editor hovers. It is read from the generated JSON Schema, so it says
// exactly what validation enforces.
type FieldDoc struct {
	Path        string
	Type        string
	Required    bool
	Unless      string // when set, Required holds unless this holds, e.g. "protocol: none"
	Default     any    // nil when the field has none
	Constraints []string
	Enum        []string // the values allowed, when the field is an enumeration
	Format      string   // a named format such as quantity or image, when it has one
	Description string
	Fields      []ChildDoc // for mappings with named fields
}

// A ChildDoc is one line of a FieldDoc's field list.
type ChildDoc struct {
	Name     string
	Type     string
	Required bool
	Unless   string // as in FieldDoc
	Summary  string // the first sentence of the description
}

// Explain returns the documentation of the field at a dotted path such as
// spec.sla.availability. The leading "spec." or "metadata." may be left
// out; a map's keys may be any name (spec.environments.prod.scaling), and a
// path passes through a list to its items (spec.patches.target).
func (s *Schema) Explain(path string) (*FieldDoc, error) {
	var tries []string
	if path == "" || path == "." {
		tries = []string{""}
	} else {
		tries = []string{path, "spec." + path, "metadata." + path}
	}
	for _, p := range tries {
		if fd := s.explain(p); fd != nil {
			return fd, nil
		}
	}
	return nil, fmt.Errorf("no field %q in the app definition; try `kiln explain spec` to list the fields", path)
}

func (s *Schema) explain(path string) *FieldDoc {
	node := s.Node("")
	required, unless := true, ""
	var elems []string
	if path != "" {
		elems = strings.Split(path, ".")
	}
	for _, elem := range elems {
		node = itemsOf(s.doc, node)
		props, _ := node["properties"].(map[string]any)
		if child, ok := props[elem].(map[string]any); ok {
			required, unless = requiredIn(node, elem)
			node = deref(s.doc, child)
			continue
		}
		if ap, ok := node["additionalProperties"].(map[string]any); ok {
			node, required, unless = deref(s.doc, ap), false, ""
			continue
		}
		return nil
	}
	fd := &FieldDoc{Path: path, Type: typeOf(s.doc, node), Required: required, Unless: unless, Default: node["default"],
		Description: oneLine(node["description"]), Constraints: constraints(node), Format: formatOf(node)}
	for _, e := range asList(node["enum"]) {
		fd.Enum = append(fd.Enum, fmt.Sprint(e))
	}
	if path == "" {
		fd.Path = "(app)"
	}
	elem := itemsOf(s.doc, node) // a list's fields are its items'
	props, _ := elem["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		child := deref(s.doc, props[name].(map[string]any))
		req, unless := requiredIn(elem, name)
		fd.Fields = append(fd.Fields, ChildDoc{Name: name, Type: typeOf(s.doc, child),
			Required: req, Unless: unless, Summary: firstSentence(oneLine(child["description"]))})
	}
	return fd
}

// requiredIn says whether the object schema obj requires its field name:
// always, or, through the if/else that requiredUnless writes, unless what
// the second result says.
func requiredIn(obj map[string]any, name string) (bool, string) {
	req, _ := obj["required"].([]any)
	if slices.Contains(req, any(name)) {
		return true, ""
	}
	els, _ := obj["else"].(map[string]any)
	req, _ = els["required"].([]any)
	if unless, ok := els["x-kiln-unless"].(string); ok && slices.Contains(req, any(name)) {
		return true, unless
	}
	return false, ""
}

// itemsOf returns the item schema of a list, so that paths pass through
// lists (spec.patches.target), or n itself.
func itemsOf(root any, n map[string]any) map[string]any {
	if it, ok := n["items"].(map[string]any); ok {
		return deref(root, it)
	}
	return n
}

func typeOf(root any, n map[string]any) string {
	switch {
	case n["const"] != nil:
		return fmt.Sprintf("string (exactly %q)", n["const"])
	case n["enum"] != nil:
		return "string (one of the listed values)"
	case n["additionalProperties"] != nil && n["properties"] == nil:
		ap, _ := n["additionalProperties"].(map[string]any)
		return "map of name to " + typeOf(root, deref(root, ap))
	case n["items"] != nil:
		it, _ := n["items"].(map[string]any)
		return "list of " + typeOf(root, deref(root, it))
	}
	if t, ok := n["type"].(string); ok {
		if f, ok := n["format"].(string); ok {
			return t + " (" + f + ")"
		}
		return t
	}
	if all, ok := n["allOf"].([]any); ok {
		t := ""
		for _, a := range all {
			if m, ok := a.(map[string]any); ok && m["type"] != nil {
				t = typeOf(root, m) // the last is the most specific: integer after number
			}
		}
		return t
	}
	return "object"
}

func constraints(n map[string]any) []string {
	var out []string
	if all, ok := n["allOf"].([]any); ok {
		for _, a := range all {
			if m, ok := a.(map[string]any); ok {
				out = append(out, constraints(m)...)
			}
		}
	}
	if r := RangeText(n); r != "" {
		out = append(out, r)
	}
	if e, ok := n["enum"].([]any); ok {
		var vals []string
		for _, v := range e {
			vals = append(vals, fmt.Sprint(v))
		}
		out = append(out, "one of: "+strings.Join(vals, ", "))
	}
	if f, ok := n["format"].(string); ok && FormatHints[f] != "" {
		out = append(out, FormatHints[f])
	}
	if pn, ok := n["propertyNames"].(map[string]any); ok {
		if f, _ := pn["format"].(string); FormatHints[f] != "" {
			out = append(out, "names: "+FormatHints[f])
		}
	}
	if p, ok := n["pattern"].(string); ok {
		out = append(out, "matches "+p)
	}
	if n["additionalProperties"] == false {
		out = append(out, "no other fields")
	}
	return out
}

// RangeText describes numeric bounds: "at least 1 and at most 65535".
func RangeText(n map[string]any) string {
	var parts []string
	for _, b := range []struct{ key, word string }{
		{"minimum", "at least"}, {"exclusiveMinimum", "more than"},
		{"maximum", "at most"}, {"exclusiveMaximum", "less than"},
	} {
		if v, ok := n[b.key]; ok {
			if f, ok := v.(float64); ok { // JSON's numbers: 2147483647, not 2.147483647e+09
				v = strconv.FormatFloat(f, 'f', -1, 64)
			}
			parts = append(parts, fmt.Sprintf("%s %v", b.word, v))
		}
	}
	return strings.Join(parts, " and ")
}

func oneLine(v any) string {
	s, _ := v.(string)
	return strings.Join(strings.Fields(s), " ")
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func asList(v any) []any { l, _ := v.([]any); return l }

// formatOf returns the named format of a string field, looking into allOf.
func formatOf(n map[string]any) string {
	if f, ok := n["format"].(string); ok {
		return f
	}
	for _, a := range asList(n["allOf"]) {
		if m, ok := a.(map[string]any); ok {
			if f, ok := m["format"].(string); ok {
				return f
			}
		}
	}
	return ""
}
