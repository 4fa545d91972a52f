package validate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/workload"
)

// serverRules are checks the API server makes that its OpenAPI schema cannot
// state: names and label syntax, a selector that matches the pod template,
// bounds that relate two fields. They run after the schema, on objects the
// schema accepted, so that kiln rejects what the server would, without one.
var serverRules = []func(o compile.Object) []Violation{
	objectMeta,
	deploymentSelector,
	deploymentStrategy,
	templateRestartPolicy,
	jobRestartPolicy,
	daemonSetStrategy,
	podContainers,
	servicePorts,
	pdbBounds,
	hpaBounds,
	ingressHosts,
}

func str(o compile.Object, path string) (string, bool) {
	v, ok := fieldpath.Resolve(o.Content, elems(path))
	s, isStr := v.(string)
	return s, ok && isStr
}

func mapAt(o compile.Object, path string) map[string]any {
	v, _ := fieldpath.Resolve(o.Content, elems(path))
	m, _ := v.(map[string]any)
	return m
}

func listAt(o compile.Object, path string) []any {
	v, _ := fieldpath.Resolve(o.Content, elems(path))
	l, _ := v.([]any)
	return l
}

// parsedPaths holds the elements of each path the rules look up: a few
// dozen, written in the rules, each parsed once for every object.
var parsedPaths sync.Map // string → []string

// elems returns fieldpath.Parse(path), which the caller must not change.
func elems(path string) []string {
	if e, ok := parsedPaths.Load(path); ok {
		return e.([]string)
	}
	e := fieldpath.Parse(path)
	parsedPaths.Store(path, e)
	return e
}

// errs turns apimachinery's problems into violations, without the example
// and the regular expression its messages end with.
func errs(path string, problems []string) []Violation {
	var out []Violation
	for _, p := range problems {
		if i := strings.Index(p, " (e.g."); i >= 0 {
			p = p[:i]
		}
		out = append(out, Violation{Path: path, Message: p})
	}
	return out
}

// objectMeta checks names, label keys and values, and annotation keys. An
// object needs a name, or a generateName for the server to make one
// (apimachinery's api/validation ValidateObjectMetaAccessor).
func objectMeta(o compile.Object) []Violation {
	var out []Violation
	name, ok := str(o, "metadata.name")
	if ok && name != "" {
		out = append(out, errs("metadata.name", problems(checkSubdomain, name))...)
	} else if gen, _ := str(o, "metadata.generateName"); gen == "" {
		out = append(out, Violation{Path: "metadata", Message: "Required value: name or generateName is required"})
	}
	for _, at := range []struct{ labels, annotations string }{
		{"metadata.labels", "metadata.annotations"},
		{"spec.template.metadata.labels", "spec.template.metadata.annotations"},
	} {
		labels, ann := mapAt(o, at.labels), mapAt(o, at.annotations)
		if metaPasses(labels, ann) {
			continue // as most do; the problems, in key order, otherwise
		}
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			out = append(out, errs(at.labels, prefixed(k, problems(checkQualifiedName, k)))...)
			if v, ok := labels[k].(string); ok {
				out = append(out, errs(at.labels, prefixed(k, problems(checkLabelValue, v)))...)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(ann)) {
			out = append(out, errs(at.annotations, prefixed(k, problems(checkQualifiedName, strings.ToLower(k))))...)
		}
	}
	return out
}

// metaPasses reports whether every label and annotation passes objectMeta's
// checks, in any order.
func metaPasses(labels, annotations map[string]any) bool {
	for k, v := range labels {
		if problems(checkQualifiedName, k) != nil {
			return false
		}
		if s, ok := v.(string); ok && problems(checkLabelValue, s) != nil {
			return false
		}
	}
	for k := range annotations {
		if problems(checkQualifiedName, strings.ToLower(k)) != nil {
			return false
		}
	}
	return true
}

func prefixed(key string, problems []string) []string {
	for i, p := range problems {
		problems[i] = fmt.Sprintf("%q: %s", key, p)
	}
	return problems
}

// deploymentSelector: the API server refuses a Deployment whose selector
// does not select its own pod template.
func deploymentSelector(o compile.Object) []Violation {
	if o.Kind != "Deployment" {
		return nil
	}
	sel := mapAt(o, "spec.selector.matchLabels")
	labels := mapAt(o, "spec.template.metadata.labels")
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		if labels[k] != sel[k] {
			return []Violation{{Path: "spec.selector.matchLabels", Message: fmt.Sprintf(
				"selector %s=%v does not match the pod template's labels, so the Deployment would select none of its own pods", k, sel[k])}}
		}
	}
	return nil
}

// nativePodKinds are the Kubernetes kinds that hold a pod spec, from
// kiln's list of workloads (policies/workloads.rego): those of no
// particular API version are Kubernetes' own.
var nativePodKinds = sync.OnceValue(func() []workload.Kind {
	var out []workload.Kind
	for _, k := range workload.Builtin() {
		if k.APIVersion == "" {
			out = append(out, k)
		}
	}
	return out
})

// podSpec returns the pod spec of a Kubernetes object that holds one, with
// its path.
func podSpec(o compile.Object) (map[string]any, string, bool) {
	k, ok := workload.Find(nativePodKinds(), o.APIVersion, o.Kind)
	if !ok {
		return nil, "", false
	}
	spec := mapAt(o, k.PodPath())
	return spec, k.PodPath(), spec != nil
}

// templateRestartPolicy: a controller that keeps its pods running takes
// no pod that stops for good (apps/validation
// ValidatePodTemplateSpecForReplicaSet, ValidateDaemonSetSpec,
// ValidateStatefulSetSpec; core/validation ValidatePodTemplateSpecForRC).
// Left out, the policy defaults to Always.
func templateRestartPolicy(o compile.Object) []Violation {
	switch o.Kind {
	case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ReplicationController":
	default:
		return nil
	}
	if p, ok := str(o, "spec.template.spec.restartPolicy"); ok && p != "Always" {
		return []Violation{{Path: "spec.template.spec.restartPolicy", Message: fmt.Sprintf("Unsupported value: %q: supported values: \"Always\"", p)}}
	}
	return nil
}

// jobRestartPolicy: a Job's pods run to completion, so their restartPolicy
// is OnFailure or Never, and written: left out, it defaults to Always
// (batch/validation validateJobSpec, which validateCronJobSpec applies to
// the job template).
func jobRestartPolicy(o compile.Object) []Violation {
	var at string
	switch o.Kind {
	case "Job":
		at = "spec.template.spec"
	case "CronJob":
		at = "spec.jobTemplate.spec.template.spec"
	default:
		return nil
	}
	if mapAt(o, at) == nil {
		return nil
	}
	switch p, _ := str(o, at+".restartPolicy"); p {
	case "OnFailure", "Never":
		return nil
	case "", "Always":
		return []Violation{{Path: at + ".restartPolicy", Message: "Required value: valid values: \"OnFailure\", \"Never\""}}
	default:
		return []Violation{{Path: at + ".restartPolicy", Message: fmt.Sprintf("Unsupported value: %q: supported values: \"OnFailure\", \"Never\"", p)}}
	}
}

// daemonSetStrategy: RollingUpdate or OnDelete (apps/validation
// ValidateDaemonSetUpdateStrategy).
func daemonSetStrategy(o compile.Object) []Violation {
	if o.Kind != "DaemonSet" {
		return nil
	}
	switch t, _ := str(o, "spec.updateStrategy.type"); t {
	case "", "RollingUpdate", "OnDelete":
		return nil
	default:
		return []Violation{{Path: "spec.updateStrategy.type", Message: fmt.Sprintf("Unsupported value: %q: supported values: \"RollingUpdate\", \"OnDelete\"", t)}}
	}
}

// deploymentStrategy: Recreate or RollingUpdate, and rollingUpdate only
// with the latter (apps/validation ValidateDeploymentStrategy).
func deploymentStrategy(o compile.Object) []Violation {
	if o.Kind != "Deployment" {
		return nil
	}
	strategy := mapAt(o, "spec.strategy")
	switch t, _ := strategy["type"].(string); t {
	case "", "RollingUpdate":
	case "Recreate":
		if strategy["rollingUpdate"] != nil {
			return []Violation{{Path: "spec.strategy.rollingUpdate", Message: "Forbidden: may not be specified when strategy `type` is 'Recreate'"}}
		}
	default:
		return []Violation{{Path: "spec.strategy.type", Message: fmt.Sprintf("Unsupported value: %q: supported values: \"Recreate\", \"RollingUpdate\"", t)}}
	}
	return nil
}

// podContainers: a pod has at least one container (core/validation
// validateContainers); ports are numbers in 1–65535 with IANA service
// names, unique within a container (validateContainerPorts); an init
// container that is not a sidecar (restartPolicy: Always) runs to
// completion, so it takes no probes and no lifecycle hooks
// (validateInitContainers). An environment variable set twice is a
// warning (pkg/api/pod warningsForPodSpecAndMeta): the server keeps the
// last, and apply may drop it.
func podContainers(o compile.Object) []Violation {
	spec, at, ok := podSpec(o)
	if !ok {
		return nil
	}
	var out []Violation
	if l, isList := spec["containers"].([]any); isList && len(l) == 0 {
		out = append(out, Violation{Path: at + ".containers", Message: "Required value: a pod runs at least one container"})
	}
	for _, field := range []string{"initContainers", "containers"} {
		list, _ := spec[field].([]any)
		for ci, c := range list {
			c, _ := c.(map[string]any)
			base := fmt.Sprintf("%s.%s[%d]", at, field, ci)
			out = append(out, ports(c, base)...)
			out = append(out, envTwice(c, base)...)
			if restart, _ := c["restartPolicy"].(string); field == "initContainers" && restart != "Always" {
				for _, f := range []string{"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"} {
					if c[f] != nil {
						out = append(out, Violation{Path: base + "." + f, Message: "Forbidden: may not be set for init containers without restartPolicy=Always"})
					}
				}
			}
		}
	}
	return out
}

// ports checks a container's ports (core/validation validateContainerPorts).
func ports(c map[string]any, base string) []Violation {
	var out []Violation
	seen := map[string]bool{}
	list, _ := c["ports"].([]any)
	for pi, p := range list {
		p, _ := p.(map[string]any)
		path := fmt.Sprintf("%s.ports[%d]", base, pi)
		if name, _ := p["name"].(string); name != "" {
			bad := problems(checkPortName, name)
			out = append(out, errs(path+".name", bad)...)
			if len(bad) == 0 && seen[name] {
				out = append(out, Violation{Path: path + ".name", Message: fmt.Sprintf("port name %q is used twice", name)})
			}
			seen[name] = true
		}
		for _, f := range []string{"containerPort", "hostPort"} {
			if n, ok := number(p[f]); ok && (f == "containerPort" || n != 0) {
				out = append(out, errs(path+"."+f, validation.IsValidPortNum(int(n)))...)
			}
		}
	}
	return out
}

// envTwice checks a container's variable names and warns of one set twice.
func envTwice(c map[string]any, base string) []Violation {
	var out []Violation
	names := map[string]bool{}
	list, _ := c["env"].([]any)
	for ei, e := range list {
		name, _ := e.(map[string]any)["name"].(string)
		path := fmt.Sprintf("%s.env[%d].name", base, ei)
		out = append(out, errs(path, problems(checkEnvVarName, name))...)
		if names[name] {
			out = append(out, Violation{Path: path, Warning: true,
				Message: fmt.Sprintf("environment variable %s is set twice: the last one counts, and kubectl apply may drop it", name)})
		}
		names[name] = true
	}
	return out
}

// servicePorts: a Service port's name is a DNS label, unique, and given
// when the Service has several ports; port and a numeric targetPort are in
// 1–65535, a named targetPort is an IANA service name (core/validation
// validateServicePort, ValidatePortNumOrName). A targetPort of 0 is left
// out: the server makes it the port.
func servicePorts(o compile.Object) []Violation {
	if o.Kind != "Service" {
		return nil
	}
	var out []Violation
	list := listAt(o, "spec.ports")
	seen := map[string]bool{}
	for i, p := range list {
		p, _ := p.(map[string]any)
		path := fmt.Sprintf("spec.ports[%d]", i)
		name, _ := p["name"].(string)
		switch {
		case name == "" && len(list) > 1:
			out = append(out, Violation{Path: path, Message: "Required value: name: a Service with several ports names each of them"})
		case name != "":
			out = append(out, errs(path+".name", problems(checkDNS1123Label, name))...)
			if seen[name] {
				out = append(out, Violation{Path: path + ".name", Message: fmt.Sprintf("port name %q is used twice", name)})
			}
			seen[name] = true
		}
		if n, ok := number(p["port"]); ok {
			out = append(out, errs(path+".port", validation.IsValidPortNum(int(n)))...)
		}
		switch t := p["targetPort"].(type) {
		case string:
			out = append(out, errs(path+".targetPort", problems(checkPortName, t))...)
		default:
			if n, ok := number(t); ok && n != 0 {
				out = append(out, errs(path+".targetPort", validation.IsValidPortNum(int(n)))...)
			}
		}
	}
	return out
}

// pdbBounds: minAvailable and maxUnavailable exclude each other.
func pdbBounds(o compile.Object) []Violation {
	if o.Kind != "PodDisruptionBudget" {
		return nil
	}
	spec := mapAt(o, "spec")
	if spec["minAvailable"] != nil && spec["maxUnavailable"] != nil {
		return []Violation{{Path: "spec.maxUnavailable", Message: "minAvailable and maxUnavailable cannot both be set"}}
	}
	return nil
}

// hpaBounds: 1 ≤ minReplicas ≤ maxReplicas.
func hpaBounds(o compile.Object) []Violation {
	if o.Kind != "HorizontalPodAutoscaler" {
		return nil
	}
	minR, hasMin := number(mapAt(o, "spec")["minReplicas"])
	maxR, _ := number(mapAt(o, "spec")["maxReplicas"])
	switch {
	case hasMin && minR < 1:
		return []Violation{{Path: "spec.minReplicas", Message: "minReplicas must be at least 1"}}
	case hasMin && maxR < minR:
		return []Violation{{Path: "spec.maxReplicas", Message: fmt.Sprintf("maxReplicas %v is less than minReplicas %v", maxR, minR)}}
	}
	return nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case json.Number: // as kiln lint reads YAML
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// ingressHosts: a host is a DNS name, optionally with a leading wildcard.
func ingressHosts(o compile.Object) []Violation {
	if o.Kind != "Ingress" {
		return nil
	}
	var out []Violation
	for i, r := range listAt(o, "spec.rules") {
		host, _ := r.(map[string]any)["host"].(string)
		if host == "" {
			continue
		}
		path := fmt.Sprintf("spec.rules[%d].host", i)
		if strings.HasPrefix(host, "*.") {
			out = append(out, errs(path, validation.IsWildcardDNS1123Subdomain(host))...)
		} else {
			out = append(out, errs(path, problems(checkSubdomain, host))...)
		}
	}
	return out
}

// A check is one of apimachinery's string checks, which run a regular
// expression each: the rules call them for every name, label and
// annotation of every object, and the same label keys and values come
// back in object after object.
type check int

const (
	checkSubdomain check = iota
	checkQualifiedName
	checkLabelValue
	checkDNS1123Label
	checkEnvVarName
	checkPortName
)

var checks = [...]func(string) []string{
	checkSubdomain:     validation.IsDNS1123Subdomain,
	checkQualifiedName: validation.IsQualifiedName,
	checkLabelValue:    validation.IsValidLabelValue,
	checkDNS1123Label:  validation.IsDNS1123Label,
	checkEnvVarName:    validation.IsEnvVarName,
	checkPortName:      validation.IsValidPortName,
}

// passedCap bounds the strings remembered as passing: past it they are
// forgotten all at once, which costs a few regular expressions again.
const passedCap = 1 << 14

// passed holds the strings that passed a check. Only passes are kept:
// a string that fails is checked again, for the problems to be new
// slices the caller may change.
var passed struct {
	sync.Mutex
	m map[passedKey]struct{}
}

type passedKey struct {
	c check
	s string
}

// problems returns what check c finds wrong with s, as c itself does.
func problems(c check, s string) []string {
	k := passedKey{c, s}
	passed.Lock()
	_, ok := passed.m[k]
	passed.Unlock()
	if ok {
		return nil
	}
	out := checks[c](s)
	if len(out) == 0 {
		passed.Lock()
		if passed.m == nil || len(passed.m) >= passedCap {
			passed.m = make(map[passedKey]struct{})
		}
		passed.m[k] = struct{}{}
		passed.Unlock()
	}
	return out
}
