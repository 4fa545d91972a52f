package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/distribution/reference"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
	Objects  []Object // in a fixed order: ServiceAccount, Service (for an app with a port), the workload (Workload), then the optional kinds
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
}

// Compile turns a into Kubernetes objects. a must be checked and have one
// environment merged in (overlay.Apply). Compile is a pure function of a
// and opts.
func Compile(a *app.App, opts Options) (*Result, error) {
	return compileAs(a, opts, producerFor(a))
}

// compileAs compiles a with its workload made by p.
func compileAs(a *app.App, opts Options, p producer) (*Result, error) {
	c := &compiler{app: a, origins: sourcemap.New(), kind: p.kind}
	c.replicas()
	objs := []runtime.Object{c.serviceAccount()}
	if c.listens() {
		objs = append(objs, c.service())
	}
	objs = append(objs, c.workload(p))
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
	res := &Result{Origins: c.origins, kind: c.kind}
	for _, o := range objs {
		obj, err := toObject(o)
		if err != nil {
			return nil, err
		}
		res.Objects = append(res.Objects, obj)
	}
	if opts.SLO {
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
	// derived once
	tier             Tier
	minRepl, maxRepl int
}

// set records that field of object kind/name came from the app field path.
func (c *compiler) set(kind, field string, path ...string) {
	c.origins.Set(sourcemap.ObjectKey(kind, c.app.Metadata.Name), field, path...)
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
	m := c.app.Metadata
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
		c.set(kind, fieldpath.Join("metadata.annotations", AnnotContact), "metadata", "contact")
	}
	c.set(kind, "metadata", "metadata")
	c.set(kind, "metadata.name", "metadata", "name")
	c.set(kind, fieldpath.Join("metadata.labels", LabelName), "metadata", "name")
	c.set(kind, fieldpath.Join("metadata.labels", LabelInstance), "metadata", "name")
	c.set(kind, fieldpath.Join("metadata.labels", LabelOwner), "metadata", "owner")
	c.set(kind, fieldpath.Join("metadata.labels", LabelBackstageID), "metadata", "name")
	c.set(kind, fieldpath.Join("metadata.labels", LabelVersion), "spec", "image")
	c.set(kind, fieldpath.Join("metadata.annotations", AnnotOwner), "metadata", "owner")
	c.set(kind, "spec", "spec")
	return metav1.ObjectMeta{Name: m.Name, Labels: labels, Annotations: annotations}
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

func (c *compiler) selectorLabels() map[string]string {
	return map[string]string{LabelName: c.app.Metadata.Name, LabelInstance: c.app.Metadata.Name}
}

// portName names the app's port by its protocol, as Istio and Linkerd read it.
func (c *compiler) portName() string { return c.app.Spec.Protocol }

// listens reports whether the app has a port. One with protocol none (a
// queue worker) has none, so it gets no Service, no containerPort, no
// probes on a port, no ingress rule in its NetworkPolicy and no Ingress.
func (c *compiler) listens() bool { return c.app.Spec.Protocol != "none" }

func (c *compiler) serviceAccount() runtime.Object {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   c.meta("ServiceAccount"),
		AutomountServiceAccountToken: ptr(false),
	}
}

func (c *compiler) service() runtime.Object {
	port := int32(c.app.Spec.Port)
	c.set("Service", "spec.ports[0].port", "spec", "port")
	c.set("Service", "spec.ports[0].targetPort", "spec", "port")
	c.set("Service", "spec.ports[0].name", "spec", "protocol")
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: c.meta("Service"),
		Spec: corev1.ServiceSpec{
			Selector: c.selectorLabels(),
			Ports: []corev1.ServicePort{{
				Name: c.portName(), Port: port, TargetPort: intstr.FromInt32(port), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

func (c *compiler) podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName:           c.app.Metadata.Name,
		AutomountServiceAccountToken: ptr(false),
		SecurityContext:              c.podSecurity(),
		Containers:                   []corev1.Container{c.container()},
		Volumes:                      []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		TopologySpreadConstraints:    c.spread(),
	}
}

// podSecurity runs the pod as spec.runAs's numeric user. runAsNonRoot
// alone is not enough: the kubelet refuses to start a container whose
// image names its user (USER node) when no runAsUser says the number,
// as it cannot verify that the name is not root.
func (c *compiler) podSecurity() *corev1.PodSecurityContext {
	r := c.app.Spec.RunAs
	c.setPod("securityContext.runAsUser", "spec", "runAs", "user")
	c.setPod("securityContext.runAsGroup", "spec", "runAs", "group")
	c.setPod("securityContext.fsGroup", "spec", "runAs", "fsGroup")
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(r.User),
		RunAsGroup:     ptr(r.Group),
		FSGroup:        ptr(r.FSGroup),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func (c *compiler) container() corev1.Container {
	s := c.app.Spec
	const ctr = "containers[0]"
	c.setPod(ctr+".image", "spec", "image")
	var ports []corev1.ContainerPort
	if c.listens() {
		ports = []corev1.ContainerPort{{Name: c.portName(), ContainerPort: int32(s.Port), Protocol: corev1.ProtocolTCP}}
		c.setPod(ctr+".ports[0].containerPort", "spec", "port")
		c.setPod(ctr+".ports[0].name", "spec", "protocol")
	}
	return corev1.Container{
		Name:           c.app.Metadata.Name,
		Image:          s.Image,
		Ports:          ports,
		Env:            c.env(),
		Resources:      c.resources(),
		LivenessProbe:  c.probe("liveness", s.Health.Liveness),
		ReadinessProbe: c.probe("readiness", s.Health.Readiness),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr(true),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
}

// env lists plain and secret variables together, sorted by name, so the
// output does not depend on map order.
func (c *compiler) env() []corev1.EnvVar {
	s := c.app.Spec
	names := slices.Sorted(maps.Keys(s.Env))
	for n := range s.Secrets {
		if _, dup := s.Env[n]; dup {
			c.finding(diag.Error, "build/env-conflict", fmt.Sprintf("%s is set in both env and secrets; keep one", n), "spec", "secrets", n)
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	var out []corev1.EnvVar
	for i, n := range names {
		field := "containers[0].env[" + strconv.Itoa(i) + "]"
		if v, ok := s.Env[n]; ok {
			out = append(out, corev1.EnvVar{Name: n, Value: v})
			c.setPod(field, "spec", "env", n)
			continue
		}
		ref := s.Secrets[n]
		out = append(out, corev1.EnvVar{Name: n, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Secret}, Key: ref.Key},
		}})
		c.setPod(field, "spec", "secrets", n)
	}
	return out
}

func (c *compiler) resources() corev1.ResourceRequirements {
	r := c.app.Spec.Resources
	const res = "containers[0].resources"
	rr := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(r.CPU),
			corev1.ResourceMemory: resource.MustParse(r.Memory),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(or(r.MemoryLimit, r.Memory))},
	}
	c.setPod(res+".requests.cpu", "spec", "resources", "cpu")
	c.setPod(res+".requests.memory", "spec", "resources", "memory")
	c.setPod(res+".limits.memory", "spec", "resources", "memory")
	if r.MemoryLimit != "" {
		c.setPod(res+".limits.memory", "spec", "resources", "memoryLimit")
	}
	if r.CPULimit != "" {
		rr.Limits[corev1.ResourceCPU] = resource.MustParse(r.CPULimit)
		c.setPod(res+".limits.cpu", "spec", "resources", "cpuLimit")
	}
	// A limit below the request is the memory-limit-covers-request
	// guardrail's to report.
	return rr
}

// probe checks the app with health.command when it is set, else on its one
// port, the way its protocol allows. An app without a port and without a
// command has no probe: kiln knows of no check that would tell.
func (c *compiler) probe(kind, path string) *corev1.Probe {
	s := c.app.Spec
	field := "containers[0]." + kind + "Probe"
	var h corev1.ProbeHandler
	switch {
	case len(s.Health.Command) > 0:
		h.Exec = &corev1.ExecAction{Command: s.Health.Command}
		c.setPod(field, "spec", "health", "command")
		return &corev1.Probe{ProbeHandler: h}
	case !c.listens():
		c.setPod(field, "spec", "protocol") // why there is none
		return nil
	}
	switch s.Protocol {
	case "grpc":
		h.GRPC = &corev1.GRPCAction{Port: int32(s.Port)}
		c.setPod(field+".grpc.port", "spec", "port")
	case "tcp":
		h.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".tcpSocket.port", "spec", "port")
	default:
		h.HTTPGet = &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".httpGet.port", "spec", "port")
		c.setPod(field+".httpGet.path", "spec", "health", kind)
	}
	c.setPod(field, "spec", "protocol")
	return &corev1.Probe{ProbeHandler: h}
}

// spread keeps replicas apart as the SLA tier asks: over nodes, then zones.
func (c *compiler) spread() []corev1.TopologySpreadConstraint {
	c.setPod("topologySpreadConstraints", "spec", "sla", "availability")
	var out []corev1.TopologySpreadConstraint
	for _, sp := range []struct{ key, when string }{
		{"kubernetes.io/hostname", c.tier.HostSpread},
		{"topology.kubernetes.io/zone", c.tier.ZoneSpread},
	} {
		if sp.when == "" || c.minRepl < 2 {
			continue
		}
		out = append(out, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: sp.key, WhenUnsatisfiable: corev1.UnsatisfiableConstraintAction(sp.when),
			LabelSelector: c.selector(),
		})
	}
	return out
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

// networkPolicy admits traffic to the app's port only; an app without a
// port gets a policy with no ingress rule, which admits none.
func (c *compiler) networkPolicy() runtime.Object {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: c.meta("NetworkPolicy"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *c.selector(),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}
	if !c.listens() {
		c.set("NetworkPolicy", "spec.policyTypes", "spec", "protocol")
		return np
	}
	port := intstr.FromInt32(int32(c.app.Spec.Port))
	c.set("NetworkPolicy", "spec.ingress[0].ports[0].port", "spec", "port")
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr(corev1.ProtocolTCP), Port: &port}},
	}}
	return np
}

func (c *compiler) ingress() runtime.Object {
	in := c.app.Spec.Ingress
	if in == nil || !c.listens() { // the schema refuses an ingress without a port
		return nil
	}
	if in.Host == "" {
		c.finding(diag.Error, "build/ingress-host", "ingress has no host: this environment sets ingress fields but neither it nor the app names a host", "spec", "ingress")
	}
	const rule = "spec.rules[0]"
	c.set("Ingress", rule+".host", "spec", "ingress", "host")
	c.set("Ingress", rule+".http.paths[0].path", "spec", "ingress", "path")
	c.set("Ingress", rule+".http.paths[0].backend.service.port.number", "spec", "port")
	var tls []networkingv1.IngressTLS
	if in.TLS != nil {
		tls = []networkingv1.IngressTLS{{Hosts: []string{in.Host}, SecretName: in.TLS.SecretName}}
		c.set("Ingress", "spec.tls", "spec", "ingress", "tls")
		c.set("Ingress", "spec.tls[0].hosts[0]", "spec", "ingress", "host")
		c.set("Ingress", "spec.tls[0].secretName", "spec", "ingress", "tls", "secretName")
	}
	meta := c.meta("Ingress")
	// The app's annotations are for the controller and cert-manager; kiln's
	// own (the owner, the contact) are set on every object and win.
	for _, k := range slices.Sorted(maps.Keys(in.Annotations)) {
		if _, kilns := meta.Annotations[k]; kilns {
			c.finding(diag.Warning, "build/ingress-annotation", fmt.Sprintf(
				"%s is an annotation kiln sets on every object; this value is ignored", k), "spec", "ingress", "annotations", k)
			continue
		}
		meta.Annotations[k] = in.Annotations[k]
		c.set("Ingress", fieldpath.Join("metadata.annotations", k), "spec", "ingress", "annotations", k)
	}
	var class *string
	if in.ClassName != "" {
		class = ptr(in.ClassName)
		c.set("Ingress", "spec.ingressClassName", "spec", "ingress", "className")
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{IngressClassName: class, TLS: tls, Rules: []networkingv1.IngressRule{{
			Host: in.Host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path: in.Path, PathType: ptr(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: c.app.Metadata.Name, Port: networkingv1.ServiceBackendPort{Number: int32(c.app.Spec.Port)},
					}},
				}},
			}},
		}}},
	}
}

func ptr[T any](v T) *T { return &v }
