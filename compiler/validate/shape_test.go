package validate

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kilnhq/kiln/compiler/compile"
)

// jsonschemaAccepts is jsonschema's own answer for obj, as validate asks it.
func jsonschemaAccepts(t *testing.T, v *Validator, obj compile.Object) bool {
	t.Helper()
	s, err := v.schemaFor(obj.APIVersion, obj.Kind)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := asJSON(obj.Content)
	if err != nil {
		return false
	}
	v.dropNullFields(v.def(v.kinds[obj.APIVersion+"/"+obj.Kind]), inst)
	err = s.Validate(inst)
	if _, ok := err.(*jsonschema.ValidationError); err != nil && !ok {
		t.Fatal(err)
	}
	return err == nil
}

// TestConformsAgreesWithJSONSchema changes valid objects of every kind an
// app emits at random places, in every way a typo can, and compares
// conforms with jsonschema: conforms may send an object jsonschema accepts
// to jsonschema (a null, a number with an exponent), but must never
// accept one jsonschema rejects, and it must accept what is plainly valid.
func TestConformsAgreesWithJSONSchema(t *testing.T) {
	v, err := New("1.37")
	if err != nil {
		t.Fatal(err)
	}
	objs := append(readObjects(t, "testdata/app.yaml"), readObjects(t, "testdata/kinds.yaml")...)
	for _, o := range objs {
		if !v.shape(v.kinds[o.APIVersion+"/"+o.Kind]).conforms(o.Content) {
			t.Errorf("%s: a valid object does not conform", o.Kind)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	var accepted, rejected, unsure int
	for i := range 4000 {
		o := objs[i%len(objs)]
		o.Content = clone(o.Content).(map[string]any)
		what := mutate(r, o.Content)
		fast := v.shape(v.kinds[o.APIVersion+"/"+o.Kind]).conforms(o.Content)
		slow := jsonschemaAccepts(t, v, o)
		switch {
		case fast && !slow:
			t.Fatalf("%s, %s: conforms, and jsonschema rejects it: %v", o.Kind, what, v.validate(o))
		case fast:
			accepted++
		case !slow:
			rejected++
		default:
			unsure++
		}
	}
	t.Logf("%d accepted, %d rejected by both; %d left to jsonschema, which accepts them", accepted, rejected, unsure)
	if accepted < 500 || rejected < 500 {
		t.Errorf("the changes are too one-sided to compare: %d accepted, %d rejected", accepted, rejected)
	}
}

func clone(x any) any {
	switch x := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	}
	return x
}

// replacements are what a typo or a template can put in place of a value.
var replacements = []any{
	"x", "", "Always", "TCP", "-bad-", "UPPER", "a.b", "0.5", "100m", "1Gi", json.Number("80"), json.Number("-1"),
	json.Number("1.5"), json.Number("2.0"), json.Number("1e3"), int64(3), 7, 2.5, 4.0, true, false, nil,
	map[string]any{}, []any{}, []any{"x"}, []any{map[string]any{}}, map[string]any{"name": "x"},
	map[string]any{"unknown": "x"}, struct{ X int }{1},
}

// mutate changes one value of x at random: replaces it, deletes it from
// its object, or adds a field beside it. It says what it did.
func mutate(r *rand.Rand, x map[string]any) string {
	path := ""
	var cur any = x
	for {
		switch c := cur.(type) {
		case map[string]any:
			keys := slices.Sorted(maps.Keys(c))
			if len(keys) == 0 || r.IntN(4) == 0 {
				k := []string{"unknown", "name", "value", "type", "labels"}[r.IntN(5)]
				c[k] = replacements[r.IntN(len(replacements))]
				return fmt.Sprintf("%s.%s = %#v", path, k, c[k])
			}
			k := keys[r.IntN(len(keys))]
			if _, deeper := c[k].(map[string]any); deeper && r.IntN(5) != 0 {
				path, cur = path+"."+k, c[k]
				continue
			}
			if _, deeper := c[k].([]any); deeper && r.IntN(5) != 0 {
				path, cur = path+"."+k, c[k]
				continue
			}
			if r.IntN(3) == 0 {
				delete(c, k)
				return "delete " + path + "." + k
			}
			c[k] = replacements[r.IntN(len(replacements))]
			return fmt.Sprintf("%s.%s = %#v", path, k, c[k])
		case []any:
			if len(c) == 0 {
				return "nothing"
			}
			i := r.IntN(len(c))
			switch c[i].(type) {
			case map[string]any, []any:
				if r.IntN(5) != 0 {
					path, cur = fmt.Sprintf("%s[%d]", path, i), c[i]
					continue
				}
			}
			c[i] = replacements[r.IntN(len(replacements))]
			return fmt.Sprintf("%s[%d] = %#v", path, i, c[i])
		default:
			return "nothing"
		}
	}
}

// TestConformsKeywords: each keyword conforms evaluates, on values either
// side of it, answered as jsonschema answers.
func TestConformsKeywords(t *testing.T) {
	const doc = `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"T": {
		"type": "object", "required": ["s"], "additionalProperties": false, "properties": {
			"s": {"type": "string", "pattern": "^a+$", "minLength": 2, "maxLength": 3},
			"e": {"type": "string", "enum": ["x", "y"]},
			"n": {"type": "integer"},
			"f": {"type": "number"},
			"q": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
			"m": {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1, "maxProperties": 1},
			"l": {"type": "array", "items": {"type": "boolean"}},
			"r": {"$ref": "#/$defs/T"},
			"any": {}
		}}}}`
	var defs map[string]any
	if err := json.Unmarshal([]byte(doc), &defs); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("t.json", strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("t.json#/$defs/T")
	if err != nil {
		t.Fatal(err)
	}
	byName := defs["$defs"].(map[string]any)
	shapes := shapes{defs: func(name string) (any, bool) { d, ok := byName[name]; return d, ok }, done: map[string]*shape{}}
	for _, src := range []string{
		`{"s": "aa"}`, `{"s": "aaa"}`, `{}`, `{"s": "a"}`, `{"s": "aaaa"}`, `{"s": "ab"}`, `{"s": 1}`,
		`{"s": "aa", "e": "x"}`, `{"s": "aa", "e": "z"}`, `{"s": "aa", "e": 1}`,
		`{"s": "aa", "n": 1}`, `{"s": "aa", "n": 1.5}`, `{"s": "aa", "n": 2.0}`, `{"s": "aa", "n": -3}`, `{"s": "aa", "n": "1"}`,
		`{"s": "aa", "f": 1.5}`, `{"s": "aa", "f": true}`,
		`{"s": "aa", "q": "x"}`, `{"s": "aa", "q": 2}`, `{"s": "aa", "q": 2.5}`, `{"s": "aa", "q": []}`,
		`{"s": "aa", "m": {"a": "b"}}`, `{"s": "aa", "m": {}}`, `{"s": "aa", "m": {"a": "b", "c": "d"}}`, `{"s": "aa", "m": {"a": 1}}`,
		`{"s": "aa", "l": [true, false]}`, `{"s": "aa", "l": [true, 1]}`, `{"s": "aa", "l": {}}`,
		`{"s": "aa", "r": {"s": "aa"}}`, `{"s": "aa", "r": {"s": "b"}}`, `{"s": "aa", "r": {"r": {"s": "aa", "x": 1}}}`,
		`{"s": "aa", "any": [1, {"x": null}]}`, `{"s": "aa", "x": 1}`, `[]`, `"aa"`,
	} {
		dec := json.NewDecoder(strings.NewReader(src))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			t.Fatal(err)
		}
		want := schema.Validate(x) == nil
		if got := shapes.def("T").conforms(x); got != want && !(want && strings.Contains(src, "null")) {
			t.Errorf("%s: conforms %v, jsonschema %v", src, got, want)
		}
	}
}
