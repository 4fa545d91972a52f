package validate

import (
	"fmt"
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
)

func TestStrictValidation(t *testing.T) {
	v, err := For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	dep := compile.Object{APIVersion: "apps/v1", Kind: "Deployment", Name: "a", Content: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "a", "labelz": map[string]any{}},
		"spec": map[string]any{
			"replicas": "three",
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "a", "imagePullPolicy": "Always", "ports": []any{map[string]any{"containerPort": 80, "protocl": "TCP"}}},
			}}},
		},
	}}
	got := fmt.Sprint(v.Validate(dep))
	want := "[{metadata.labelz unknown field \"labelz\"} {spec missing required field \"selector\"} " +
		"{spec.replicas must be of type integer} {spec.template.spec.containers[0].ports[0].protocl unknown field \"protocl\"}]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestVersionsAndKinds(t *testing.T) {
	if _, err := For("1.19"); err == nil {
		t.Error("For(1.19) succeeded")
	}
	v, _ := For("")
	if v.Version() != "1.37" {
		t.Errorf("default version %s", v.Version())
	}
	vs := v.Validate(compile.Object{APIVersion: "example.com/v1", Kind: "Widget", Content: map[string]any{}})
	if len(vs) != 1 || vs[0].Path != "apiVersion" {
		t.Errorf("unknown kind: %v", vs)
	}
	ok := compile.Object{APIVersion: "v1", Kind: "ServiceAccount", Content: map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "a"}, "automountServiceAccountToken": false}}
	if vs := v.Validate(ok); len(vs) != 0 {
		t.Errorf("a valid ServiceAccount: %v", vs)
	}
}
