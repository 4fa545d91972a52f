package compile

import (
	"fmt"

	"github.com/distribution/reference"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/compiler/workload"
)

// Labels and annotations kiln sets on every object.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelVersion   = "app.kubernetes.io/version"
	LabelOwner     = "kiln.dev/owner"
	AnnotOwner     = "kiln.dev/owner"
	AnnotContact   = "kiln.dev/contact"
)

// LabelBackstageID is what Backstage's Kubernetes plugin selects an
// entity's objects and pods by: backstage.io/kubernetes-id=<the entity's
// backstage.io/kubernetes-id annotation>, which the catalog entry sets to
// the app's name. kiln sets it on every object.
const LabelBackstageID = "backstage.io/kubernetes-id"

// An Object is one emitted Kubernetes object, as plain data.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Content    map[string]any
}

// Key names o in a sourcemap.Map.
func (o Object) Key() string { return sourcemap.ObjectKey(o.Kind, o.Name) }

// A Finding is a problem compile found in an app that the schema could not:
// Path is the app field at fault, for the caller to position.
type Finding struct {
	Path     []string
	Severity diag.Severity
	Code     string
	Message  string
	// Line, when not 0, is the line (from 1) at fault in the text of the
	// string at Path, such as one operation of a patch.
	Line int
	// Kind is what the finding means for the run (see diag.Kind).
	Kind diag.Kind
}

// Result is what Compile produces for one app in one environment.
type Result struct {
	Objects  []Object // in a fixed order: ServiceAccount, the ConfigMap of spec.files, ExternalSecrets, Service (for a pod with a port), the workload (Workload), then the optional kinds
	Origins  *sourcemap.Map
	Findings []Finding
	kind     workload.Kind // of the object that runs the app's pods
}

// Options control Compile.
type Options struct {
	// SLO adds a PrometheusRule with the SLA's burn-rate alerts and a
	// ServiceMonitor that scrapes the app, for clusters that run the
	// Prometheus operator.
	SLO bool
	// Env names the environment compiled ("" for the base), for the SLO
	// output's series and alerts (kiln_env).
	Env string
	// Callees are the apps spec.dependsOn names, in its order, as build
	// resolved them in the repository for this environment.
	Callees []Callee
	// KubeVersion is the Kubernetes minor version the objects are for
	// ("1.37"; "" the newest kiln ships): below 1.29 sidecars are plain
	// containers rather than native sidecars.
	KubeVersion string
	// Files holds the content of each spec.files entry read from the
	// repository, by its from as written: the caller reads them, so that
	// Compile reads nothing. One left out was not read, and the caller
	// reported why.
	Files map[string][]byte
}

// Compile turns a into Kubernetes objects. a must be checked and have one
// environment merged in (overlay.Apply). Compile is a pure function of a
// and opts.
func Compile(a *app.App, opts Options) (*Result, error) {
	return compileAs(a, opts, producerFor(a))
}

// compileAs compiles a with its workload made by p.
func compileAs(a *app.App, opts Options, p producer) (*Result, error) {
	c := &compiler{app: a, origins: sourcemap.New(), kind: p.kind, gets: p.gets, callees: opts.Callees, kubeVersion: opts.KubeVersion}
	c.replicas()
	c.collectPorts()
	c.configFiles(opts.Files)
	c.secretsFromExternal()
	objs := []runtime.Object{c.serviceAccount()}
	if cm := c.configMap(); cm != nil {
		objs = append(objs, cm)
	}
	objs = append(objs, c.externalSecrets()...)
	if c.serves() && p.gets.service != "" {
		objs = append(objs, c.service())
	}
	objs = append(objs, c.workload(p))
	// A kind without replicas has one (replicas), so neither a budget
	// nor an autoscaler.
	if pdb := c.pdb(); pdb != nil {
		objs = append(objs, pdb)
	}
	if hpa := c.hpa(); hpa != nil {
		objs = append(objs, hpa)
	}
	objs = append(objs, c.networkPolicy())
	if ing := c.ingress(); ing != nil {
		objs = append(objs, ing)
	}
	objs = append(objs, c.admissions()...)
	res := &Result{Origins: c.origins, kind: c.kind}
	for _, o := range objs {
		obj, err := toObject(o)
		if err != nil {
			return nil, err
		}
		res.Objects = append(res.Objects, obj)
	}
	if opts.SLO && p.gets.slo {
		objs, err := c.sloObjects(opts.Env)
		if err != nil {
			return nil, err
		}
		res.Objects = append(res.Objects, objs...)
	}
	res.Findings = c.findings
	return res, nil
}

type compiler struct {
	app      *app.App
	origins  *sourcemap.Map
	findings []Finding
	kind     workload.Kind // of the object that runs the app's pods
	gets     gets          // what that kind comes with
	callees  []Callee
	podPorts []podPort // the pod's ports, once (collectPorts)
	// kubeVersion is Options.KubeVersion
	kubeVersion string
	// derived once
	tier             Tier
	minRepl, maxRepl int
	files            []configFile // spec.files, by path
	filesName        string       // of their ConfigMap
}

// set records that field of object kind/name came from the app field path.
func (c *compiler) set(kind, field string, path ...string) {
	c.setIn(kind, c.app.Metadata.Name, field, path...)
}

// setIn is set for an object whose name is not the app's.
func (c *compiler) setIn(kind, name, field string, path ...string) {
	c.origins.Set(sourcemap.ObjectKey(kind, name), field, path...)
}

func (c *compiler) finding(sev diag.Severity, code, msg string, path ...string) {
	c.findings = append(c.findings, Finding{Path: path, Severity: sev, Code: code, Message: msg, Kind: diag.Finding})
}

// replicas derives the replica range from the SLA and spec.scaling. A
// scaling.min below what the SLA needs is never silently raised: the
// replicas-meet-sla guardrail reports it.
func (c *compiler) replicas() {
	s := c.app.Spec
	if s.SLA != nil {
		c.tier = TierFor(s.SLA.Availability)
	} else {
		c.tier = Tiers[0]
	}
	c.minRepl = c.tier.Replicas
	if s.Scaling != nil && s.Scaling.Min != nil {
		c.minRepl = *s.Scaling.Min
	}
	c.maxRepl = c.minRepl
	if !c.gets.replicated {
		// One pod per node, or per run: the SLA table sizes no replicas,
		// and with one there is no autoscaler, budget or spread (pdb,
		// hpa and spread read these). The schema refuses scaling here.
		c.minRepl, c.maxRepl = 1, 1
		return
	}
	if s.Scaling != nil && s.Scaling.Max != nil {
		c.maxRepl = *s.Scaling.Max
		if c.maxRepl < c.minRepl {
			c.finding(diag.Error, "build/scaling-range", fmt.Sprintf(
				"scaling.max is %d, below the %d replicas the app needs at least; raise scaling.max", c.maxRepl, c.minRepl),
				"spec", "scaling", "max")
			// The HPA is still emitted as the app asks, so that what the API
			// server would refuse is what kiln reports.
		}
	}
}

// replicaOrigin is the app field that decided the minimum replica count.
func (c *compiler) replicaOrigin() []string {
	if s := c.app.Spec.Scaling; s != nil && s.Min != nil {
		return []string{"spec", "scaling", "min"}
	}
	return []string{"spec", "sla", "availability"}
}

func (c *compiler) meta(kind string) metav1.ObjectMeta {
	return c.metaNamed(kind, c.app.Metadata.Name)
}

// metaNamed is the metadata of the app's object of kind called name.
func (c *compiler) metaNamed(kind, name string) metav1.ObjectMeta {
	m := c.app.Metadata
	set := func(field string, path ...string) { c.setIn(kind, name, field, path...) }
	labels := map[string]string{
		LabelName:      m.Name,
		LabelInstance:  m.Name,
		LabelManagedBy: "kiln",
		LabelOwner:     m.Owner,
		// On every object and pod, so Backstage finds them all.
		LabelBackstageID: m.Name,
	}
	if v := imageTag(c.app.Spec.Image); v != "" {
		labels[LabelVersion] = v
	}
	annotations := map[string]string{AnnotOwner: m.Owner}
	if m.Contact != "" {
		annotations[AnnotContact] = m.Contact
		set(fieldpath.Join("metadata.annotations", AnnotContact), "metadata", "contact")
	}
	set("metadata", "metadata")
	set("metadata.name", "metadata", "name")
	set(fieldpath.Join("metadata.labels", LabelName), "metadata", "name")
	set(fieldpath.Join("metadata.labels", LabelInstance), "metadata", "name")
	set(fieldpath.Join("metadata.labels", LabelOwner), "metadata", "owner")
	set(fieldpath.Join("metadata.labels", LabelBackstageID), "metadata", "name")
	set(fieldpath.Join("metadata.labels", LabelVersion), "spec", "image")
	set(fieldpath.Join("metadata.annotations", AnnotOwner), "metadata", "owner")
	set("spec", "spec")
	if m.Namespace != "" {
		set("metadata.namespace", "metadata", "namespace")
	}
	return metav1.ObjectMeta{Name: name, Namespace: m.Namespace, Labels: labels, Annotations: annotations}
}

// imageTag returns the image's tag when it is a valid label value.
func imageTag(image string) string {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	tagged, ok := ref.(reference.Tagged)
	if !ok || len(validation.IsValidLabelValue(tagged.Tag())) > 0 {
		return ""
	}
	return tagged.Tag()
}

// selector selects the app's pods by its name and its instance, which
// are equal in kiln's manifests; Helm sets the instance to the release
// name, so that two releases of one app in a namespace select their own
// pods only (docs/helm.md).
func (c *compiler) selector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: c.selectorLabels()}
}

func (c *compiler) selectorLabels() map[string]string { return podsOf(c.app.Metadata.Name) }

// podsOf are the labels that select the pods of the app called name, as
// kiln labels them: this app's, or another's it calls.
func podsOf(name string) map[string]string {
	return map[string]string{LabelName: name, LabelInstance: name}
}

func (c *compiler) serviceAccount() runtime.Object {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   c.meta("ServiceAccount"),
		AutomountServiceAccountToken: ptr(false),
	}
}

func (c *compiler) pdb() runtime.Object {
	if c.minRepl < 2 {
		return nil
	}
	p := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: c.meta("PodDisruptionBudget"),
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: c.selector()},
	}
	minA, maxU := pdbFor(c.minRepl)
	if maxU > 0 {
		p.Spec.MaxUnavailable = ptr(intstr.FromInt32(int32(maxU)))
		c.set("PodDisruptionBudget", "spec.maxUnavailable", c.replicaOrigin()...)
	} else {
		p.Spec.MinAvailable = ptr(intstr.FromInt32(int32(minA)))
		c.set("PodDisruptionBudget", "spec.minAvailable", c.replicaOrigin()...)
	}
	return p
}

func (c *compiler) hpa() runtime.Object {
	if c.maxRepl == c.minRepl {
		return nil
	}
	s := c.app.Spec
	c.set("HorizontalPodAutoscaler", "spec.minReplicas", c.replicaOrigin()...)
	c.set("HorizontalPodAutoscaler", "spec.maxReplicas", "spec", "scaling", "max")
	c.set("HorizontalPodAutoscaler", "spec.metrics", "spec", "scaling", "cpuTarget")
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: c.meta("HorizontalPodAutoscaler"),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind, Name: c.app.Metadata.Name},
			MinReplicas:    ptr(int32(c.minRepl)),
			MaxReplicas:    int32(c.maxRepl),
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(s.Scaling.CPUTarget))},
				},
			}},
		},
	}
}

func ptr[T any](v T) *T { return &v }
