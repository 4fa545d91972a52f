package compile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/compiler/workload"
)

// richApp exercises every part of the pod template: env and secrets, a
// contact, limits, spread constraints and an autoscaler.
func richApp() *app.App {
	a := baseApp()
	a.Metadata.Contact = "#a"
	a.Spec.Env = map[string]string{"B": "1", "A": "2"}
	a.Spec.Secrets = map[string]app.SecretRef{"S": {Secret: "s", Key: "k"}}
	a.Spec.Resources.CPULimit = "1"
	a.Spec.Resources.MemoryLimit = "256Mi"
	a.Spec.SLA = &app.SLA{Availability: 99.9}
	a.Spec.Scaling = &app.Scaling{Max: ptr(6), CPUTarget: 70}
	return a
}

// A StatefulSet gets the very pod template the Deployment gets, with the
// origins of its fields at the same paths, and the autoscaler scales it:
// adding a kind is adding its producer.
func TestWorkloadKindCarriesTheSamePodTemplate(t *testing.T) {
	dep, err := Compile(richApp(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sts := richApp()
	sts.Spec.Workload.Kind = app.StatefulSet
	res, err := Compile(sts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dObj, dKind, ok := dep.Workload()
	if !ok || dObj.Kind != "Deployment" || dObj.APIVersion != "apps/v1" || dKind.PodPath() != "spec.template.spec" {
		t.Fatalf("the Deployment's workload is %s %s at %s (%v)", dObj.APIVersion, dObj.Kind, dKind.PodPath(), ok)
	}
	sObj, sKind, ok := res.Workload()
	if !ok || sObj.Kind != "StatefulSet" || sKind.Kind != "StatefulSet" {
		t.Fatalf("the workload is %s (%v), want the StatefulSet", sObj.Kind, ok)
	}
	if find(t, res, "Deployment") != nil {
		t.Error("a StatefulSet app also got a Deployment")
	}
	dTpl, sTpl := field(&dObj, dKind.LabelsPath()), field(&sObj, sKind.LabelsPath())
	if dTpl == nil || !reflect.DeepEqual(dTpl, sTpl) {
		t.Errorf("pod labels differ: %v and %v", dTpl, sTpl)
	}
	dPod, sPod := field(&dObj, "spec.template"), field(&sObj, "spec.template")
	if !reflect.DeepEqual(dPod, sPod) {
		t.Errorf("the pod templates differ:\n%v\n%v", dPod, sPod)
	}
	if got := field(&sObj, "spec.serviceName"); got != "a" {
		t.Errorf("serviceName is %v", got)
	}

	// Every origin under the pod template is recorded for the new kind too.
	dFields := dep.Origins.Fields(sourcemap.ObjectKey("Deployment", "a"))
	sFields := res.Origins.Fields(sourcemap.ObjectKey("StatefulSet", "a"))
	n := 0
	for f, origin := range dFields {
		if !strings.HasPrefix(f, "spec.template.") {
			continue
		}
		n++
		if !reflect.DeepEqual(sFields[f], origin) {
			t.Errorf("origin of StatefulSet %s is %v, the Deployment's %v", f, sFields[f], origin)
		}
	}
	if n < 10 {
		t.Errorf("only %d origins under the pod template", n)
	}

	hpa := find(t, res, "HorizontalPodAutoscaler")
	if hpa == nil {
		t.Fatal("no autoscaler")
	}
	if got := field(hpa, "spec.scaleTargetRef"); !reflect.DeepEqual(got, map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "a"}) {
		t.Errorf("the autoscaler targets %v", got)
	}
}

// compile's kinds put the pod template where the guardrails look for it.
func TestKindsAreTheRulesKinds(t *testing.T) {
	kinds := Kinds()
	var names []string
	for _, k := range kinds {
		names = append(names, k.APIVersion+" "+k.Kind)
	}
	if want := []string{"batch/v1 CronJob", "apps/v1 DaemonSet", "apps/v1 Deployment", "batch/v1 Job", "apps/v1 StatefulSet"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("compile produces %v, want %v", names, want)
	}
	for _, k := range kinds {
		rule, ok := workload.Find(workload.Builtin(), k.APIVersion, k.Kind)
		if !ok || rule.PodPath() != k.PodPath() || rule.LabelsPath() != k.LabelsPath() {
			t.Errorf("%s: compile's pod path %s, the rules' %s (%v)", k.Kind, k.PodPath(), rule.PodPath(), ok)
		}
	}
}

func TestWorkloadInWithoutOne(t *testing.T) {
	if _, _, ok := WorkloadIn([]Object{{APIVersion: "v1", Kind: "Service", Name: "a"}}); ok {
		t.Error("a Service is not a workload")
	}
	// A Deployment of another API is not the one compile produces.
	if _, _, ok := WorkloadIn([]Object{{APIVersion: "example.com/v1", Kind: "Deployment", Name: "a"}}); ok {
		t.Error("example.com/v1 Deployment taken for the workload")
	}
}
