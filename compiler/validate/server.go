package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// serverRules are checks the API server makes that its OpenAPI schema cannot
// state: names and label syntax, a selector that matches the pod template,
// bounds that relate two fields. They run after the schema, on objects the
// schema accepted, so that kiln rejects what the server would, without one.
var serverRules = []func(o compile.Object) []Violation{
	objectMeta,
	deploymentSelector,
	containerPorts,
	servicePorts,
	pdbBounds,
	hpaBounds,
	ingressHosts,
}

func str(o compile.Object, path string) (string, bool) {
	v, ok := fieldpath.Resolve(o.Content, fieldpath.Parse(path))
	s, isStr := v.(string)
	return s, ok && isStr
}

func mapAt(o compile.Object, path string) map[string]any {
	v, _ := fieldpath.Resolve(o.Content, fieldpath.Parse(path))
	m, _ := v.(map[string]any)
	return m
}

func listAt(o compile.Object, path string) []any {
	v, _ := fieldpath.Resolve(o.Content, fieldpath.Parse(path))
	l, _ := v.([]any)
	return l
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

// objectMeta checks names, label keys and values, and annotation keys.
func objectMeta(o compile.Object) []Violation {
	var out []Violation
	if name, ok := str(o, "metadata.name"); ok {
		out = append(out, errs("metadata.name", validation.IsDNS1123Subdomain(name))...)
	}
	for _, prefix := range []string{"metadata", "spec.template.metadata"} {
		labels := mapAt(o, prefix+".labels")
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			out = append(out, errs(prefix+".labels", prefixed(k, validation.IsQualifiedName(k)))...)
			if v, ok := labels[k].(string); ok {
				out = append(out, errs(prefix+".labels", prefixed(k, validation.IsValidLabelValue(v)))...)
			}
		}
		ann := mapAt(o, prefix+".annotations")
		for _, k := range slices.Sorted(maps.Keys(ann)) {
			out = append(out, errs(prefix+".annotations", prefixed(k, validation.IsQualifiedName(strings.ToLower(k))))...)
		}
	}
	return out
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

// containerPorts: port names are IANA service names (at most 15
// characters) and unique within a container.
func containerPorts(o compile.Object) []Violation {
	if o.Kind != "Deployment" {
		return nil
	}
	var out []Violation
	for ci := range listAt(o, "spec.template.spec.containers") {
		base := fmt.Sprintf("spec.template.spec.containers[%d]", ci)
		seen := map[string]bool{}
		for pi, p := range listAt(o, base+".ports") {
			name, _ := p.(map[string]any)["name"].(string)
			if name == "" {
				continue
			}
			path := fmt.Sprintf("%s.ports[%d].name", base, pi)
			out = append(out, errs(path, validation.IsValidPortName(name))...)
			if seen[name] {
				out = append(out, Violation{Path: path, Message: fmt.Sprintf("port name %q is used twice", name)})
			}
			seen[name] = true
		}
		names := map[string]bool{}
		for ei, e := range listAt(o, base+".env") {
			name, _ := e.(map[string]any)["name"].(string)
			path := fmt.Sprintf("%s.env[%d].name", base, ei)
			out = append(out, errs(path, validation.IsEnvVarName(name))...)
			if names[name] {
				out = append(out, Violation{Path: path, Message: fmt.Sprintf("environment variable %s is set twice", name)})
			}
			names[name] = true
		}
	}
	return out
}

// servicePorts: a Service port's name is a DNS label.
func servicePorts(o compile.Object) []Violation {
	if o.Kind != "Service" {
		return nil
	}
	var out []Violation
	for i, p := range listAt(o, "spec.ports") {
		if name, _ := p.(map[string]any)["name"].(string); name != "" {
			out = append(out, errs(fmt.Sprintf("spec.ports[%d].name", i), validation.IsDNS1123Label(name))...)
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
			out = append(out, errs(path, validation.IsDNS1123Subdomain(host))...)
		}
	}
	return out
}
