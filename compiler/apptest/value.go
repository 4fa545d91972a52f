package apptest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// normal returns v as encoding/json decodes it with UseNumber, so that a
// value written in a test and one kiln emitted compare equal when they
// say the same thing (3 and 3.0 do not: Kubernetes tells them apart).
func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}

func equal(a, b any) bool { return reflect.DeepEqual(normal(a), normal(b)) }

// show renders a value for a failure message: YAML, as the user wrote it.
func show(v any) string {
	if s, ok := v.(string); ok && !strings.Contains(s, "\n") {
		return s
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(plainNumbers(normal(v))); err != nil {
		return "?"
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// plainNumbers turns json.Numbers into what YAML prints as numbers.
func plainNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = plainNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = plainNumbers(e)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
	}
	return v
}

// isSubset reports whether every field of want is in got with a value
// that equals it (maps recursively), as helm-unittest's isSubset.
func isSubset(got, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return equal(got, want)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		gv, ok := gm[k]
		if !ok || !isSubset(gv, wv) {
			return false
		}
	}
	return true
}
