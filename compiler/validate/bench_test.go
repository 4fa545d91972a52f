package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/compile"
)

// appObjects reads testdata/app.yaml, one app's emitted manifests, as kiln
// lint reads objects: numbers as json.Number.
func appObjects(tb testing.TB) []compile.Object { return readObjects(tb, "testdata/app.yaml") }

// readObjects reads the YAML documents of a file as kiln lint reads
// objects: numbers as json.Number.
func readObjects(tb testing.TB, name string) []compile.Object {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	var out []compile.Object
	for _, doc := range strings.Split(string(data), "\n---\n") {
		raw, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			tb.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var content map[string]any
		if err := dec.Decode(&content); err != nil {
			tb.Fatal(err)
		}
		out = append(out, compile.Object{APIVersion: content["apiVersion"].(string), Kind: content["kind"].(string), Content: content})
	}
	return out
}

// BenchmarkCold is what one process pays for its first app: a Validator
// made, and each of the app's objects validated.
func BenchmarkCold(b *testing.B) {
	objs := appObjects(b)
	for b.Loop() {
		v, err := New("1.37")
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range objs {
			if vs := v.Validate(o); len(vs) != 0 {
				b.Fatalf("%s: %v", o.Kind, vs)
			}
		}
	}
}

// BenchmarkValidate checks one app's objects, past the memo: the cost of
// each object the first time it is seen.
func BenchmarkValidate(b *testing.B) {
	objs := appObjects(b)
	v, err := New("1.37")
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range objs {
		if vs := v.validate(o); len(vs) != 0 {
			b.Fatalf("%s: %v", o.Kind, vs)
		}
	}
	for b.Loop() {
		for _, o := range objs {
			v.validate(o)
		}
	}
}

// BenchmarkValidateMemo is Validate as a run uses it: hashing each object
// to find its remembered answer.
func BenchmarkValidateMemo(b *testing.B) {
	objs := appObjects(b)
	v, err := New("1.37")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, o := range objs {
			v.Validate(o)
		}
	}
}
