package validate

import (
	"strings"
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
	if len(vs) != 1 || vs[0].Message != want || vs[0].Path != "apiVersion" {
		t.Errorf("got %+v, want one violation at apiVersion: %s", vs, want)
	}
}

// Every replacement the table names is a kind this Kubernetes serves.
func TestRemovalReplacementsExist(t *testing.T) {
	v, err := For("")
	if err != nil {
		t.Fatal(err)
	}
	for key, r := range removals {
		if r.Replacement == "" {
			continue
		}
		kind := key[strings.LastIndex(key, "/")+1:]
		if !v.Knows(r.Replacement, kind) {
			t.Errorf("%s: replacement %s %s is not served by Kubernetes %s", key, r.Replacement, kind, v.Version())
		}
	}
}
