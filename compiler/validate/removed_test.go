package validate

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
)

// Validating an object of a removed API version says which release
// removed it and what replaces it, not that the kind is unknown.
func TestRemovedAPIVersionIsNamed(t *testing.T) {
	v, err := For("")
	if err != nil {
		t.Fatal(err)
	}
	obj := compile.Object{APIVersion: "batch/v1beta1", Kind: "CronJob", Name: "c", Content: map[string]any{
		"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": map[string]any{"name": "c"}}}
	vs := v.Validate(obj)
	const want = "batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1"
	if len(vs) != 1 || vs[0].Message != want || vs[0].Path != "apiVersion" || vs[0].Code != RemovedCode {
		t.Errorf("got %+v, want one violation at apiVersion: %s", vs, want)
	}
}

// An apiVersion that a release still serves is validated as any other,
// even when a later release removes it.
func TestRemovedLaterIsValidated(t *testing.T) {
	obj := compile.Object{APIVersion: "storage.k8s.io/v1beta1", Kind: "VolumeAttributesClass", Name: "fast", Content: map[string]any{
		"apiVersion": "storage.k8s.io/v1beta1", "kind": "VolumeAttributesClass", "metadata": map[string]any{"name": "fast"}, "driverName": "csi.example.com"}}
	for version, want := range map[string]string{"1.36": "", "1.37": "storage.k8s.io/v1beta1 VolumeAttributesClass was removed in Kubernetes 1.37; use storage.k8s.io/v1"} {
		v, err := For(version)
		if err != nil {
			t.Fatal(err)
		}
		vs := v.Validate(obj)
		got := ""
		if len(vs) > 0 {
			got = vs[0].Message
		}
		if len(vs) > 1 || got != want {
			t.Errorf("Kubernetes %s: got %v, want %q", version, vs, want)
		}
	}
}
