package compile

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/compiler/workload"
)

// statefulSet is a producer as a new workload kind would add one: it
// wraps the same pod template in a StatefulSet.
func statefulSet(c *compiler, meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	s := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec:       appsv1.StatefulSetSpec{Selector: c.selector(), Template: pod, ServiceName: c.app.Metadata.Name},
	}
	c.set(c.kind.Kind, "spec.selector", "metadata", "name")
	return s
}

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

// A second kind gets the very pod template the Deployment gets, with the
// origins of its fields at the same paths, and the autoscaler scales it:
// adding a kind is adding its producer.
func TestWorkloadKindCarriesTheSamePodTemplate(t *testing.T) {
	sts := producer{kind: builtinKind("apps/v1", "StatefulSet"), make: statefulSet}

	dep, err := Compile(richApp(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := compileAs(richApp(), Options{}, sts)
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
		t.Errorf("the producer's own field is %v", got)
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
	if len(kinds) != 1 || kinds[0].Kind != "Deployment" || kinds[0].APIVersion != "apps/v1" {
		t.Fatalf("compile produces %+v; Deployment is the one kind today", kinds)
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
