package kube

import (
	"bytes"
	"encoding/json"
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
