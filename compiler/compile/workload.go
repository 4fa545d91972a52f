package compile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/workload"
)

// The app's workload is the one object that runs its pods. compile builds
// the pod template once, whatever the kind; a producer wraps it in the
// object of one kind. Everything else that needs the workload (the
// autoscaler's target, the Helm values, the origins of the pod's fields)
// asks for its kind and paths here, so that a new kind is a new producer.

// A producer makes the workload object of one kind around the app's pod
// template.
type producer struct {
	kind workload.Kind
	gets gets
	// make returns the object, with meta as its metadata and pod as its
	// pod template; it records the origins of the fields it sets itself
	// (replicas, selector), as those of meta and pod were recorded when
	// they were built.
	make func(c *compiler, meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object
}

// producers are the workload kinds compile produces, by kind. Their
// template paths are policies/workloads.rego's (compiler/workload), the
// list the guardrails read, so that compile and the rules cannot disagree
// on where the pod spec is.
var producers = sync.OnceValue(func() map[string]producer {
	replicated := gets{replicated: true, service: "ClusterIP", slo: true}
	return map[string]producer{
		app.Deployment:  {kind: builtinKind("apps/v1", app.Deployment), gets: replicated, make: (*compiler).deployment},
		app.StatefulSet: {kind: builtinKind("apps/v1", app.StatefulSet), gets: gets{replicated: true, service: "headless", slo: true}, make: (*compiler).statefulSet},
		app.DaemonSet:   {kind: builtinKind("apps/v1", app.DaemonSet), gets: gets{service: "ClusterIP", slo: true}, make: (*compiler).daemonSet},
		app.Job:         {kind: builtinKind("batch/v1", app.Job), make: (*compiler).job},
		app.CronJob:     {kind: builtinKind("batch/v1", app.CronJob), make: (*compiler).cronJob},
	}
})

// builtinKind is the built-in workload kind of that name, of apiVersion:
// the rules' entry names none, as it matches the kind in any API group.
func builtinKind(apiVersion, kind string) workload.Kind {
	k, ok := workload.Find(workload.Builtin(), apiVersion, kind)
	if !ok {
		// policies/workloads.rego is embedded and tested: a broken build.
		panic(fmt.Sprintf("policies/workloads.rego has no %s", kind))
	}
	k.APIVersion = apiVersion
	return k
}

// producerFor is the producer of a's workload kind (spec.workload.kind),
// a Deployment when it names none. The schema allows only the kinds of
// producers.
func producerFor(a *app.App) producer {
	p, ok := producers()[a.Spec.Workload.Kind]
	if !ok {
		return producers()[app.Deployment]
	}
	return p
}

// Kinds returns the workload kinds compile can produce, by kind.
func Kinds() []workload.Kind {
	p := producers()
	var out []workload.Kind
	for _, k := range slices.Sorted(maps.Keys(p)) {
		out = append(out, p[k].kind)
	}
	return out
}

// WorkloadIn returns the object of objs that runs the app's pods, and its
// kind: the one object of a kind compile produces. objs are the objects
// of one Result, or what was read back from them.
func WorkloadIn(objs []Object) (Object, workload.Kind, bool) {
	p := producers()
	for _, o := range objs {
		if pr, ok := p[o.Kind]; ok && pr.kind.APIVersion == o.APIVersion {
			return o, pr.kind, true
		}
	}
	return Object{}, workload.Kind{}, false
}

// Workload returns the object of r that runs the app's pods, and its kind.
func (r *Result) Workload() (Object, workload.Kind, bool) {
	for _, o := range r.Objects {
		if o.Kind == r.kind.Kind && o.APIVersion == r.kind.APIVersion {
			return o, r.kind, true
		}
	}
	return Object{}, workload.Kind{}, false
}

// templatePath is where the workload's pod template is, as field paths
// are written: spec.template.
func (c *compiler) templatePath() string { return strings.Join(c.kind.Template, ".") }

// setTemplate records that field of the workload's pod template (such as
// metadata.labels) came from the app field path.
func (c *compiler) setTemplate(field string, path ...string) {
	c.set(c.kind.Kind, c.templatePath()+"."+field, path...)
}

// setPod records that field of the workload's pod spec (such as
// containers[0].image) came from the app field path.
func (c *compiler) setPod(field string, path ...string) {
	c.set(c.kind.Kind, c.kind.PodPath()+"."+field, path...)
}

// workload is the object of p's kind that runs the app's pods.
func (c *compiler) workload(p producer) runtime.Object {
	meta := c.meta(c.kind.Kind)
	return p.make(c, meta, c.podTemplate(meta))
}

// podTemplate is the app's pod template, the same for every kind: the
// workload's labels and annotations, and the pod spec.
func (c *compiler) podTemplate(meta metav1.ObjectMeta) corev1.PodTemplateSpec {
	m := c.app.Metadata
	c.setTemplate(fieldpath.Join("metadata.labels", LabelName), "metadata", "name")
	c.setTemplate(fieldpath.Join("metadata.labels", LabelInstance), "metadata", "name")
	c.setTemplate(fieldpath.Join("metadata.labels", LabelOwner), "metadata", "owner")
	c.setTemplate(fieldpath.Join("metadata.labels", LabelBackstageID), "metadata", "name")
	c.setTemplate(fieldpath.Join("metadata.labels", LabelVersion), "spec", "image")
	c.setTemplate(fieldpath.Join("metadata.annotations", AnnotOwner), "metadata", "owner")
	if m.Contact != "" {
		c.setTemplate(fieldpath.Join("metadata.annotations", AnnotContact), "metadata", "contact")
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels, Annotations: meta.Annotations},
		Spec:       c.podSpec(),
	}
}

// deployment runs the pods as a Deployment, with the replicas the SLA or
// scaling asks for unless an autoscaler owns them.
func (c *compiler) deployment(meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	c.set(c.kind.Kind, "spec.selector", "metadata", "name")
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec:       appsv1.DeploymentSpec{Replicas: c.fixedReplicas(), Selector: c.selector(), Template: pod},
	}
}
