package kube

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestSchemasUpToDate regenerates each embedded schema from the pinned
// k8s.io/kubernetes release and requires the same bytes: the files are
// reproducible and nobody edited them by hand. It fetches the module
// through the Go module proxy on first run (about 21 MB per release).
func TestSchemasUpToDate(t *testing.T) {
	for _, r := range Releases {
		got, err := Generate(r)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		want, err := files.ReadFile(Minor(r) + ".json.gz")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("schemas/kube/%s.json.gz is stale; run: make schema", Minor(r))
		}
	}
}

func TestSchemasCoverEmittedKinds(t *testing.T) {
	for _, v := range Versions() {
		raw, err := Schema(v)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Kinds map[string]string `json:"x-kiln-kinds"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"apps/v1/Deployment", "v1/Service", "v1/ServiceAccount", "policy/v1/PodDisruptionBudget",
			"autoscaling/v2/HorizontalPodAutoscaler", "networking.k8s.io/v1/NetworkPolicy", "networking.k8s.io/v1/Ingress"} {
			if doc.Kinds[k] == "" {
				t.Errorf("%s: no schema for %s", v, k)
			}
		}
	}
	if _, err := Schema("1.20"); err == nil {
		t.Error("Schema(1.20) succeeded")
	}
}

// Standalone names files as kubeconform's schemaPath does, and each file
// holds what its kind refers to.
func TestStandalone(t *testing.T) {
	files, err := Standalone("1.37")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"deployment-apps-v1.json", "service-v1.json", "ingress-networking-v1.json", "externalsecret-external-secrets-v1.json"} {
		var doc map[string]any
		if err := json.Unmarshal(files[name], &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref := strings.TrimPrefix(doc["$ref"].(string), "#/$defs/")
		if _, ok := doc["$defs"].(map[string]any)[ref]; !ok {
			t.Errorf("%s refers to %s, which it does not hold", name, ref)
		}
	}
	var dep map[string]any
	json.Unmarshal(files["deployment-apps-v1.json"], &dep)
	if _, ok := dep["$defs"].(map[string]any)["io.k8s.api.core.v1.Container"]; !ok {
		t.Error("the Deployment's file lacks Container, which its pod template refers to")
	}
}

// A Doc decodes, kind by kind and definition by definition, what the
// whole document holds.
func TestDocMatchesDocument(t *testing.T) {
	for _, v := range Versions() {
		raw, err := Schema(v)
		if err != nil {
			t.Fatal(err)
		}
		var whole struct {
			Schema string                     `json:"$schema"`
			Defs   map[string]json.RawMessage `json:"$defs"`
			Kinds  map[string]string          `json:"x-kiln-kinds"`
		}
		if err := json.Unmarshal(raw, &whole); err != nil {
			t.Fatal(err)
		}
		d, err := Open(v)
		if err != nil {
			t.Fatal(err)
		}
		if d.Schema != whole.Schema || !reflect.DeepEqual(d.Kinds, whole.Kinds) || len(d.raw) != len(whole.Defs) {
			t.Fatalf("%s: the Doc's schema, kinds or %d definitions differ from the document's %d", v, len(d.raw), len(whole.Defs))
		}
		for name, js := range whole.Defs {
			var want any
			json.Unmarshal(js, &want)
			if got, ok := d.Def(name); !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: definition %s differs", v, name)
			}
		}
		if _, ok := d.Def("no.such.Kind"); ok {
			t.Errorf("%s: Def of an unknown name succeeded", v)
		}
	}
}

func TestParseRejectsOtherLayouts(t *testing.T) {
	for _, src := range []string{
		`{"$defs":{"a":{}},"$schema":"s","x-kiln-kinds":{}}`,
		"{\"$schema\":\"s\",\n\"x-kiln-kinds\":{\n},\n\"$defs\":{\n\"a\":{},\n",
		"{\"$schema\":\"s\",\n\"x-kiln-kinds\":{\n},\n\"$defs\":{\n\"a\" {}\n}}\n",
		"{\"$schema\":\"s\",\n\"$defs\":{\n\"a\":{}\n}}\n",
		"{\"$schema\":\"s\",\n\"x-kiln-kinds\":{\n},\n\"$defs\":{\n\"a\":{}\n}}\nmore",
	} {
		if _, err := parse([]byte(src)); err == nil {
			t.Errorf("parse(%q) succeeded", src)
		}
	}
	const src = "{\"$schema\":\"s\",\n\"x-kiln-kinds\":{\n\"v1/A\":\"a\\\"b\"\n},\n\"$defs\":{\n\"a\\\"b\":{\"type\":\"object\"}\n}}\n"
	var whole any
	if err := json.Unmarshal([]byte(src), &whole); err != nil {
		t.Fatalf("the layout is not JSON: %v", err)
	}
	d, err := parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if x, ok := d.Def(d.Kinds["v1/A"]); !ok || x.(map[string]any)["type"] != "object" {
		t.Errorf("a name with an escaped quote: %v %v", x, ok)
	}
}

// With adds definitions and kinds over a Doc's and leaves the Doc as it was.
func TestDocWith(t *testing.T) {
	d, err := Open(Default())
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.Kinds)
	w := d.With(map[string]any{"x.v1.X": map[string]any{"type": "object"}}, map[string]string{"x/v1/X": "x.v1.X"})
	if _, ok := w.Def("x.v1.X"); !ok || w.Kinds["x/v1/X"] != "x.v1.X" {
		t.Error("With lost what it added")
	}
	if _, ok := w.Def("io.k8s.api.core.v1.Container"); !ok {
		t.Error("With lost the base's definitions")
	}
	if _, ok := d.Def("x.v1.X"); ok || len(d.Kinds) != n {
		t.Error("With changed the Doc it was given")
	}
}
