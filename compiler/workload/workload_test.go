package workload

import (
	"os"
	"strings"
	"testing"
)

func TestBuiltin(t *testing.T) {
	kinds := Builtin()
	for _, c := range []struct{ api, kind, pod string }{
		{"v1", "Pod", "spec"},
		{"v1", "ReplicationController", "spec.template.spec"},
		{"apps/v1", "Deployment", "spec.template.spec"},
		{"extensions/v1beta1", "Deployment", "spec.template.spec"},
		{"batch/v1", "CronJob", "spec.jobTemplate.spec.template.spec"},
		{"apps.openshift.io/v1", "DeploymentConfig", "spec.template.spec"},
		{"argoproj.io/v1alpha1", "Rollout", "spec.template.spec"},
		{"serving.knative.dev/v1", "Service", "spec.template.spec"},
	} {
		k, ok := Find(kinds, c.api, c.kind)
		if !ok || k.PodPath() != c.pod {
			t.Errorf("%s %s: %v %v, want pod at %s", c.api, c.kind, k, ok, c.pod)
		}
	}
	if k, ok := Find(kinds, "v1", "Service"); ok {
		t.Errorf("a core Service is a workload: %v", k)
	}
}

func TestMergeReplacesAndAdds(t *testing.T) {
	got := Merge([]Kind{
		{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Template: []string{"spec", "pod"}},
		{APIVersion: "example.com/v1", Kind: "Runner", Template: []string{"spec", "template"}},
	})
	if len(got) != len(Builtin())+1 {
		t.Fatalf("%d kinds", len(got))
	}
	if k, _ := Find(got, "argoproj.io/v1alpha1", "Rollout"); k.PodPath() != "spec.pod.spec" {
		t.Errorf("Rollout not replaced: %v", k)
	}
	if _, ok := Find(got, "example.com/v1", "Runner"); !ok {
		t.Error("Runner not added")
	}
}

// The rules reference lists the built-in workload kinds.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Builtin() {
		want := "`" + k.Kind + "`"
		if k.APIVersion != "" {
			want = "| `" + k.APIVersion + "` | `" + k.Kind + "`"
		}
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/policies.md does not list %s", want)
		}
	}
}

// A declared kind of its own API group wins over kiln's entry of the same
// kind, which names none; objects of other groups keep kiln's.
func TestFindPrefersTheObjectsOwnGroup(t *testing.T) {
	kinds := Merge([]Kind{{APIVersion: "example.com/v1", Kind: "Job", Template: []string{"spec", "pod"}}})
	if k, _ := Find(kinds, "example.com/v1", "Job"); k.PodPath() != "spec.pod.spec" {
		t.Errorf("example.com/v1 Job: %v, want the declared kind", k)
	}
	if k, _ := Find(kinds, "batch/v1", "Job"); k.PodPath() != "spec.template.spec" {
		t.Errorf("batch/v1 Job: %v, want kiln's", k)
	}
	if _, ok := Find(kinds, "v1", "Runner"); ok {
		t.Error("a kind nobody declared was found")
	}
}
