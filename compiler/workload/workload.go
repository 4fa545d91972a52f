// Package workload knows which kinds run pods and where their pod template
// is. The built-in list is policies/workloads.rego, the one place that the
// rules (through data.kiln.lib) and kiln read; a repository adds its own
// kinds under workloads in .kiln/config.yaml, and the guardrails get the
// merged list under input.context.workloads.
package workload

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kilnhq/kiln/policies"
)

// A Kind is one kind of object that runs pods.
type Kind struct {
	APIVersion string   // "argoproj.io/v1alpha1"; empty matches the kind of any API version
	Kind       string   // "Rollout"
	Template   []string // path to the pod template (metadata and spec); empty for a Pod
}

// PodPath is where the pod spec of an object of k is, as findings write
// paths: spec.template.spec.
func (k Kind) PodPath() string { return strings.Join(append(slices.Clone(k.Template), "spec"), ".") }

// LabelsPath is where the labels of the pods of an object of k are.
func (k Kind) LabelsPath() string {
	return strings.Join(append(slices.Clone(k.Template), "metadata", "labels"), ".")
}

// Value is k as the rules read it.
func (k Kind) Value() map[string]any {
	t := make([]any, len(k.Template))
	for i, e := range k.Template {
		t[i] = e
	}
	v := map[string]any{"kind": k.Kind, "template": t, "podPath": k.PodPath(), "labelsPath": k.LabelsPath()}
	if k.APIVersion != "" {
		v["apiVersion"] = k.APIVersion
	}
	return v
}

// Builtin returns the kinds of policies/workloads.rego.
var Builtin = sync.OnceValue(func() []Kind {
	kinds, err := parse()
	if err != nil {
		// The file is embedded and tested: this is a broken build.
		panic(fmt.Sprintf("policies/workloads.rego: %v", err))
	}
	return kinds
})

func parse() ([]Kind, error) {
	src, err := policies.FS.ReadFile("workloads.rego")
	if err != nil {
		return nil, err
	}
	m, err := ast.ParseModuleWithOpts("workloads.rego", string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, err
	}
	for _, r := range m.Rules {
		if r.Head.Name.String() != "builtin_workloads" {
			continue
		}
		v, err := ast.JSON(r.Head.Value.Value)
		if err != nil {
			return nil, err
		}
		return decode(v)
	}
	return nil, fmt.Errorf("no builtin_workloads")
}

func decode(v any) ([]Kind, error) {
	byKind, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("builtin_workloads is not an object of kinds")
	}
	var list []any
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		l, _ := byKind[kind].([]any)
		for _, e := range l {
			if m, _ := e.(map[string]any); m["kind"] != kind {
				return nil, fmt.Errorf("entry %v is under kind %s", e, kind)
			}
		}
		list = append(list, l...)
	}
	var out []Kind
	for _, e := range list {
		m, _ := e.(map[string]any)
		k := Kind{}
		k.APIVersion, _ = m["apiVersion"].(string)
		k.Kind, _ = m["kind"].(string)
		path, ok := m["template"].([]any)
		if k.Kind == "" || !ok {
			return nil, fmt.Errorf("entry %v needs a kind and a template path", e)
		}
		for _, p := range path {
			s, _ := p.(string)
			k.Template = append(k.Template, s)
		}
		pod, _ := m["podPath"].(string)
		labels, _ := m["labelsPath"].(string)
		if pod != k.PodPath() || labels != k.LabelsPath() {
			return nil, fmt.Errorf("entry %v: podPath and labelsPath must be %s and %s", e, k.PodPath(), k.LabelsPath())
		}
		out = append(out, k)
	}
	return out, nil
}

// Merge returns the built-in kinds with the repository's: a declared kind
// of the same apiVersion and kind as a built-in one replaces it, and every
// other one is added after them.
func Merge(declared []Kind) []Kind {
	out := slices.Clone(Builtin())
	for _, d := range declared {
		i := slices.IndexFunc(out, func(k Kind) bool { return k.Kind == d.Kind && k.APIVersion == d.APIVersion })
		if i >= 0 {
			out[i] = d
		} else {
			out = append(out, d)
		}
	}
	return out
}

// Find returns the kind an object of apiVersion and kind is of: the entry
// of its apiVersion, or else one that names none (lib.rego's in_group
// chooses alike).
func Find(kinds []Kind, apiVersion, kind string) (Kind, bool) {
	var any Kind
	found := false
	for _, k := range kinds {
		switch {
		case k.Kind != kind:
		case k.APIVersion == apiVersion:
			return k, true
		case k.APIVersion == "" && !found:
			any, found = k, true
		}
	}
	return any, found
}

// Values is kinds as the rules read them, under input.context.workloads:
// by kind.
func Values(kinds []Kind) map[string]any {
	out := map[string]any{}
	for _, k := range kinds {
		l, _ := out[k.Kind].([]any)
		out[k.Kind] = append(l, k.Value())
	}
	return out
}
