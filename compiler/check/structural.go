package check

import (
	"fmt"
	"github.com/kilnhq/kiln/compiler/suggest"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
)

// violation is one failed JSON Schema keyword at one place in the document.
type violation struct {
	path    []string       // where in the document
	keyword string         // the failed keyword: type, enum, required, …
	node    map[string]any // the schema object holding the keyword
}

// structural validates doc against the JSON Schema and phrases each failed
// keyword for a person, at the position of the key or value at fault. It
// also returns the paths at fault: the values, keys and missing fields it
// reported, for the CUE pass to leave alone.
func structural(doc *load.Doc, s *schema.Schema) (diag.List, [][]string) {
	byPath := map[string][]violation{}
	var order []string
	var faults [][]string
	for _, e := range s.Validate(doc.Root.Value()) {
		v := toViolation(e, s)
		k := pointer(v.path)
		if _, seen := byPath[k]; !seen {
			order = append(order, k)
		}
		byPath[k] = append(byPath[k], v)
		faults = append(faults, faultPaths(doc, v)...)
	}
	var ds diag.List
	for _, k := range order {
		vs := byPath[k]
		// A value of the wrong type fails its range and format keywords too;
		// the type is the one thing to say.
		if i := slices.IndexFunc(vs, func(v violation) bool { return v.keyword == "type" }); i >= 0 {
			ds = append(ds, typeError(doc, vs))
			continue
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if seen[v.keyword] {
				continue
			}
			seen[v.keyword] = true
			ds = append(ds, describe(doc, v, byPath)...)
		}
	}
	return dropImpliedRequired(ds), faults
}

// faultPaths returns the places v finds fault with: the value at v.path,
// or for an object, the unknown fields in it or the required fields it
// lacks.
func faultPaths(doc *load.Doc, v violation) [][]string {
	child := func(name string) []string { return append(slices.Clip(v.path), name) }
	var out [][]string
	switch v.keyword {
	case "additionalProperties":
		props, _ := v.node["properties"].(map[string]any)
		for _, f := range doc.Lookup(v.path).Fields {
			if _, ok := props[f.Name]; !ok {
				out = append(out, child(f.Name))
			}
		}
	case "required":
		obj := doc.Lookup(v.path)
		for _, r := range v.node["required"].([]any) {
			if obj.Field(r.(string)) == nil {
				out = append(out, child(r.(string)))
			}
		}
	default:
		out = append(out, v.path)
	}
	return out
}

func toViolation(e *jsonschema.ValidationError, s *schema.Schema) violation {
	_, frag, _ := strings.Cut(e.AbsoluteKeywordLocation, "#")
	i := strings.LastIndex(frag, "/")
	v := violation{path: fieldpath.FromPointer(e.InstanceLocation)}
	if i >= 0 {
		v.keyword = frag[i+1:]
		v.node = s.Node(frag[:i])
		// A key that fails propertyNames is reported at the key itself.
		if parent, ok := strings.CutSuffix(frag[:i], "/propertyNames"); ok {
			v.keyword, v.node = "propertyNames", s.Node(parent)
		}
	}
	return v
}

func pointer(path []string) string { return "/" + strings.Join(path, "/") }

func at(doc *load.Doc, path []string, code, msg string) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Code: code, Kind: diag.Input, Path: fieldpath.String(path), Message: msg}
	if n := doc.Lookup(path); n != nil && len(path) > 0 {
		d.Pos, d.End = n.Pos, n.End
	} else {
		d.Pos, d.End, _ = doc.Locate(path)
	}
	return d
}

// name is how a message names the field at path.
func name(path []string) string {
	if len(path) == 0 {
		return "the app definition"
	}
	return fieldpath.String(path)
}

func describe(doc *load.Doc, v violation, byPath map[string][]violation) diag.List {
	n := doc.Lookup(v.path)
	switch v.keyword {
	case "additionalProperties":
		return unknownFields(doc, v)
	case "required":
		return missingFields(doc, v, byPath)
	case "propertyNames":
		return badKey(doc, v)
	case "const":
		return diag.List{at(doc, v.path, "schema/value",
			fmt.Sprintf("%s must be %q, not %s", name(v.path), v.node["const"], n))}
	case "enum":
		return diag.List{enumError(doc, v, n)}
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		return diag.List{at(doc, v.path, "schema/range",
			fmt.Sprintf("%s is %s, but must be %s", name(v.path), n, schema.RangeText(v.node)))}
	case "format":
		format, _ := v.node["format"].(string)
		s, _ := n.Scalar.(string)
		err := schema.Formats[format](s)
		return diag.List{at(doc, v.path, "schema/format", fmt.Sprintf("%s %s %v", name(v.path), n, err))}
	case "pattern":
		return diag.List{at(doc, v.path, "schema/format",
			fmt.Sprintf("%s %s does not match the expected form %s", name(v.path), n, v.node["pattern"]))}
	}
	return diag.List{at(doc, v.path, "schema/invalid", fmt.Sprintf("%s is not valid here (%s)", name(v.path), v.keyword))}
}

func enumError(doc *load.Doc, v violation, n *load.Node) diag.Diagnostic {
	var allowed []string
	for _, e := range v.node["enum"].([]any) {
		allowed = append(allowed, fmt.Sprint(e))
	}
	d := at(doc, v.path, "schema/enum",
		fmt.Sprintf("%s must be one of %s, not %s", name(v.path), strings.Join(allowed, ", "), n))
	if s, ok := n.Scalar.(string); ok {
		if d.Suggestion = suggest.Closest(s, allowed); d.Suggestion != "" {
			d.Message += fmt.Sprintf("; did you mean %s?", d.Suggestion)
		}
	}
	return d
}

func unknownFields(doc *load.Doc, v violation) diag.List {
	obj := doc.Lookup(v.path)
	props, _ := v.node["properties"].(map[string]any)
	known := slices.Sorted(maps.Keys(props))
	var ds diag.List
	for _, f := range obj.Fields {
		if _, ok := props[f.Name]; ok {
			continue
		}
		d := diag.Diagnostic{Pos: f.KeyPos, End: f.KeyEnd, Severity: diag.Error, Code: "schema/unknown-field", Kind: diag.Input,
			Path: fieldpath.String(append(v.path[:len(v.path):len(v.path)], f.Name))}
		where := "at the top level"
		if len(v.path) > 0 {
			where = "in " + fieldpath.String(v.path)
		}
		d.Message = fmt.Sprintf("unknown field %q %s", f.Name, where)
		if d.Suggestion = suggest.Closest(f.Name, known); d.Suggestion != "" {
			d.Message += fmt.Sprintf("; did you mean %q?", d.Suggestion)
		} else {
			d.Message += "; the fields are " + strings.Join(known, ", ")
		}
		ds = append(ds, d)
	}
	return ds
}

func missingFields(doc *load.Doc, v violation, byPath map[string][]violation) diag.List {
	obj := doc.Lookup(v.path)
	unless, conditional := v.node["x-kiln-unless"].(string) // see schema.requiredUnless
	if on, _, _ := strings.Cut(unless, ":"); conditional && len(byPath[pointer(append(v.path[:len(v.path):len(v.path)], strings.Split(on, ".")...))]) > 0 {
		return nil // the field the requirement depends on is wrong itself: that is the one mistake
	}
	var ds diag.List
	for _, r := range v.node["required"].([]any) {
		field := r.(string)
		if obj.Field(field) != nil {
			continue
		}
		d := at(doc, v.path, "schema/required", fmt.Sprintf("%s is missing the required field %q", name(v.path), field))
		if conditional {
			d.Message += ", required unless " + unless
		}
		d.Path = fieldpath.String(append(v.path[:len(v.path):len(v.path)], field))
		if len(v.path) > 0 { // point at the key that opens the object, not its first child
			d.Pos, d.End, _ = doc.Locate(v.path)
		}
		ds = append(ds, d)
	}
	return ds
}

// badKey reports a map key that fails its format, such as an environment
// variable name with a space; v.path ends with the key.
func badKey(doc *load.Doc, v violation) diag.List {
	pn, _ := v.node["propertyNames"].(map[string]any)
	format, _ := pn["format"].(string)
	check := schema.Formats[format]
	key := v.path[len(v.path)-1]
	if check == nil || check(key) == nil {
		return nil
	}
	d := diag.Diagnostic{Severity: diag.Error, Code: "schema/format", Kind: diag.Input, Path: fieldpath.String(v.path),
		Message: fmt.Sprintf("key %q in %s %v (expected %s)", key, name(v.path[:len(v.path)-1]), check(key), schema.FormatHints[format])}
	d.Pos, d.End, _ = doc.Locate(v.path)
	return diag.List{d}
}

// typeError reports a value of the wrong type, naming the most specific
// type the schema asks for (integer rather than number).
func typeError(doc *load.Doc, vs []violation) diag.Diagnostic {
	var want string
	for _, v := range vs {
		if v.keyword != "type" {
			continue
		}
		if t, _ := v.node["type"].(string); want == "" || t == "integer" {
			want = t
		}
	}
	path := vs[0].path
	n := doc.Lookup(path)
	d := at(doc, path, "schema/type", fmt.Sprintf("%s must be %s, not %s", name(path), article(jsonTypeName(want)), article(n.Kind.String())))
	switch {
	case want == "string" && (n.Kind == load.Number || n.Kind == load.Bool):
		d.Message += fmt.Sprintf("; quote it: \"%v\"", n.Scalar)
		d.Suggestion = fmt.Sprintf("%q", fmt.Sprint(n.Scalar))
	case (want == "integer" || want == "number") && n.Kind == load.String && isNumber(n.Scalar.(string)):
		d.Message += "; write it without quotes"
		d.Suggestion = n.Scalar.(string)
	}
	return d
}

func jsonTypeName(t string) string {
	switch t {
	case "object":
		return "mapping"
	case "array":
		return "list"
	case "":
		return "value"
	}
	return t
}

func article(s string) string {
	if strings.ContainsAny(s[:1], "aeiou") {
		return "an " + s
	}
	return "a " + s
}

func isNumber(s string) bool {
	var f float64
	_, err := fmt.Sscanf(s, "%g", &f)
	return err == nil && strings.TrimSpace(s) == s && s != ""
}

// dropImpliedRequired removes "missing field port" when the same object has
// an unknown field whose suggestion is port: the misspelling is the one
// mistake, and it is reported where it was made.
func dropImpliedRequired(ds diag.List) diag.List {
	suggested := map[string]bool{}
	for _, d := range ds {
		if d.Code == "schema/unknown-field" && d.Suggestion != "" {
			suggested[parentPath(d.Path)+"."+d.Suggestion] = true
		}
	}
	return slices.DeleteFunc(ds, func(d diag.Diagnostic) bool {
		return d.Code == "schema/required" && suggested[parentPath(d.Path)+"."+lastElem(d.Path)]
	})
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

func lastElem(p string) string { return p[strings.LastIndexAny(p, ".[")+1:] }
