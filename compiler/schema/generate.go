package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/jsonschema"

	"github.com/kilnhq/kiln/schemas"
)

// GenerateJSONSchema generates the JSON Schema of the App from app.cue. CUE's
// own generator writes the structure, types, bounds, enums, required fields
// and descriptions; kiln adds what it cannot know: defaults (kiln writes
// them as CUE default markers that the generator leaves out) and the formats
// named in @kiln attributes. The output is deterministic: keys are sorted.
func GenerateJSONSchema() ([]byte, error) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(schemas.AppCUE, cue.Filename("schemas/app.cue"))
	if err := v.Err(); err != nil {
		return nil, err
	}
	app := v.LookupPath(cue.ParsePath("#App"))
	expr, err := jsonschema.Generate(app, nil)
	if err != nil {
		return nil, fmt.Errorf("generating JSON Schema: %v", err)
	}
	raw, err := ctx.BuildExpr(expr).MarshalJSON()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	doc["title"] = "kiln app definition (" + APIVersion + ")"
	if err := annotate(doc, app, doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// target returns the schema object that node stands for: the $defs entry
// when node is a $ref, so that annotations land where the keywords are.
func target(root, node map[string]any) map[string]any {
	if ref, ok := node["$ref"].(string); ok {
		t, _ := resolve(root, ref).(map[string]any)
		return t
	}
	return node
}

func annotate(root map[string]any, v cue.Value, node map[string]any) error {
	props, _ := target(root, node)["properties"].(map[string]any)
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return err
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		p, ok := props[name].(map[string]any)
		if !ok {
			return fmt.Errorf("generated schema has no property %q", name)
		}
		fv := it.Value()
		if err := annotateField(p, fv); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if err := requiredUnless(target(root, node), name, fv); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		switch fv.IncompleteKind() {
		case cue.StructKind:
			if elem := fv.LookupPath(cue.MakePath(cue.AnyString)); elem.Exists() {
				if ap, ok := target(root, p)["additionalProperties"].(map[string]any); ok && elem.IncompleteKind() == cue.StructKind {
					err = annotate(root, elem, ap)
				}
			}
			if _, named := target(root, p)["properties"]; err == nil && named {
				// The named fields, also of a map that has some.
				err = annotate(root, fv, p)
			}
		case cue.ListKind:
			elem := fv.LookupPath(cue.MakePath(cue.AnyIndex))
			if items, ok := target(root, p)["items"].(map[string]any); ok && elem.IncompleteKind() == cue.StructKind {
				err = annotate(root, elem, items)
			}
		}
		if err != nil {
			return fmt.Errorf("%s.%v", name, err)
		}
	}
	return nil
}

// annotateField adds a field's format, key and value formats and scalar default.
func annotateField(p map[string]any, v cue.Value) error {
	attr := v.Attribute("kiln")
	if f, ok, _ := attr.Lookup(0, "format"); ok {
		if Formats[f] == nil {
			return fmt.Errorf("unknown format %q", f)
		}
		p["format"] = f
	}
	if f, ok, _ := attr.Lookup(0, "keys"); ok {
		if Formats[f] == nil {
			return fmt.Errorf("unknown key format %q", f)
		}
		p["propertyNames"] = map[string]any{"format": f}
	}
	// values=NAME checks each value of a map of strings, as keys= its keys.
	if f, ok, _ := attr.Lookup(0, "values"); ok {
		if Formats[f] == nil {
			return fmt.Errorf("unknown value format %q", f)
		}
		elems := []any{p["additionalProperties"], p["items"]}
		if pp, ok := p["patternProperties"].(map[string]any); ok {
			elems = append(elems, pp[""])
		}
		n := 0
		for _, e := range elems {
			if e, ok := e.(map[string]any); ok && e["type"] == "string" {
				e["format"] = f
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("values=%s on a field that is not a map or list of strings", f)
		}
	}
	if d, ok := v.Default(); ok && d.IsConcrete() && d.Kind() != cue.StructKind && d.Kind() != cue.ListKind {
		raw, err := d.MarshalJSON()
		if err != nil {
			return err
		}
		var def any
		if err := json.Unmarshal(raw, &def); err != nil {
			return err
		}
		p["default"] = def
	}
	return nil
}

// requiredUnless rewrites the struct schema obj for a field marked
// @kiln(required-unless=FIELD:VALUE|FIELD:VALUE…): CUE's generator
// evaluates the comprehension that requires the field with the defaults,
// so it lists the field as always required. The field is required instead
// only when no FIELD is its VALUE, an absent FIELD taking its default. A
// FIELD may be a dotted path into a sibling (workload.kind):
//
//	"if": {"anyOf": [{"properties": {FIELD: {"const": VALUE}}, "required": [FIELD]}, …]},
//	"else": {"required": [name], "x-kiln-unless": "FIELD: VALUE or …"}
//
// x-kiln-unless lets the message about the missing field say what the
// alternative is; its first FIELD is the one the check looks at first.
func requiredUnless(obj map[string]any, name string, v cue.Value) error {
	attr := v.Attribute("kiln")
	rule, ok, _ := attr.Lookup(0, "required-unless")
	if !ok {
		return nil
	}
	if _, taken := obj["if"]; taken {
		return fmt.Errorf("a second required-unless in one struct")
	}
	var alts, says []any
	for _, alt := range strings.Split(rule, "|") {
		field, value, ok := strings.Cut(alt, ":")
		if !ok || field == "" || value == "" {
			return fmt.Errorf("required-unless=%q is not FIELD:VALUE|…", rule)
		}
		path := strings.Split(field, ".")
		if props, _ := obj["properties"].(map[string]any); props[path[0]] == nil {
			return fmt.Errorf("required-unless names %q, which is no sibling", path[0])
		}
		alts = append(alts, hasConst(path, value))
		says = append(says, field+": "+value)
	}
	req, _ := obj["required"].([]any)
	obj["required"] = slices.DeleteFunc(slices.Clone(req), func(r any) bool { return r == name })
	if len(obj["required"].([]any)) == 0 {
		delete(obj, "required")
	}
	cond := alts[0].(map[string]any)
	if len(alts) > 1 {
		cond = map[string]any{"anyOf": alts}
	}
	obj["if"] = cond
	words := make([]string, len(says))
	for i, s := range says {
		words[i] = s.(string)
	}
	obj["else"] = map[string]any{"required": []any{name}, "x-kiln-unless": strings.Join(words, " or ")}
	return nil
}

// hasConst is the schema of an object whose field at path is value.
func hasConst(path []string, value string) map[string]any {
	inner := map[string]any{"const": value}
	for i := len(path) - 1; i >= 0; i-- {
		inner = map[string]any{"properties": map[string]any{path[i]: inner}, "required": []any{path[i]}}
	}
	return inner
}
