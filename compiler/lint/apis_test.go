package lint

import (
	"fmt"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// A kind Kubernetes once served in an apiVersion it removed is not a
// custom resource: the message names the release and the replacement.
func TestRemovedAPIsSayWhenAndWhatInstead(t *testing.T) {
	for src, want := range map[string]string{
		"apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n": "1:1 PodDisruptionBudget/web: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1",
		"apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n":                                  "1:1 Ingress/web: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1",
		"apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n":                              "1:1 PodSecurityPolicy/p: policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; Pod Security Admission replaces it: label the namespace pod-security.kubernetes.io/enforce",
	} {
		_, ds := File(source.NewFile("m.yaml", []byte(src)), options(t))
		if got := messages(ds, "kube/removed-api"); len(got) != 1 || got[0] != want {
			t.Errorf("%q: got %q, want %q (all: %v)", src, got, want, ds)
		}
		if len(messages(ds, "kube/unknown-kind")) != 0 {
			t.Errorf("%q: also said unknown kind: %v", src, ds)
		}
	}
}

const rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec: {}\n"

// customResources decides what a custom resource without its CRD costs;
// a built-in group's unknown kind stays an error whatever it says.
func TestCustomResourcesWithoutCRD(t *testing.T) {
	typo := "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n"
	for _, c := range []struct {
		setting, src string
		want         string
	}{
		{"", rollout, "error"},
		{"error", rollout, "error"},
		{"warning", rollout, "warning"},
		{"skip", rollout, ""},
		{"skip", typo, "error"},
		{"warning", typo, "error"},
	} {
		opts := options(t)
		opts.CustomResources = c.setting
		_, ds := File(source.NewFile("m.yaml", []byte(c.src)), opts)
		got := ""
		for _, d := range ds {
			if d.Code == "kube/unknown-kind" {
				got = d.Severity.String()
			}
		}
		if got != c.want {
			t.Errorf("customResources %q on %.40q: unknown-kind severity %q, want %q", c.setting, c.src, got, c.want)
		}
	}
}

func messages(ds diag.List, code string) []string {
	var out []string
	for _, d := range ds {
		if d.Code == code {
			line, col := d.Pos.LineCol()
			out = append(out, fmt.Sprintf("%d:%d %s", line, col, d.Message))
		}
	}
	return out
}
