package kube

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Closure returns the definitions of defs that name refers to, directly
// or not, name's own included: all that a schema of that one definition
// needs.
func Closure(defs map[string]any, name string) map[string]any {
	return ClosureOf(func(name string) any { return defs[name] }, name)
}

// ClosureOf is Closure over the definitions def returns by name, such as
// a Doc's, which are decoded as the closure reaches them.
func ClosureOf(def func(name string) any, name string) map[string]any {
	out := map[string]any{}
	var visit func(n any)
	visit = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				target := strings.TrimPrefix(ref, "#/$defs/")
				if _, seen := out[target]; !seen {
					out[target] = def(target)
					visit(out[target])
				}
			}
			for _, c := range n {
				visit(c)
			}
		case []any:
			for _, c := range n {
				visit(c)
			}
		}
	}
	out[name] = def(name)
	visit(out[name])
	return out
}

// Standalone returns the schema of each kind of a minor version as a
// document of its own, named as kubeconform looks for it with
// -schema-location 'DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json'
// ("deployment-apps-v1.json"): strict as kiln validates, each holding its
// kind's definitions and no reference outside itself. It is for measuring
// kubeconform beside kiln on the same schemas (cmd/kiln-bench).
func Standalone(minor string) (map[string][]byte, error) {
	raw, err := Schema(minor)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	defs, _ := doc["$defs"].(map[string]any)
	kinds, _ := doc[KindsKey].(map[string]any)
	out := map[string][]byte{}
	for gvk, name := range kinds {
		i := strings.LastIndex(gvk, "/")
		file := kubeconformName(gvk[:i], gvk[i+1:])
		if _, dup := out[file]; dup {
			return nil, fmt.Errorf("%s: two kinds are both %s to kubeconform", minor, file)
		}
		b, err := json.Marshal(map[string]any{
			"$schema": doc["$schema"],
			"$ref":    "#/$defs/" + name.(string),
			"$defs":   Closure(defs, name.(string)),
		})
		if err != nil {
			return nil, err
		}
		out[file] = b
	}
	return out, nil
}

// kubeconformName is kubeconform's (pkg/registry schemaPath) file name of
// a kind: the kind in lower case, the first label of its group (or its
// version, in the core group), then its version.
func kubeconformName(apiVersion, kind string) string {
	group, version, grouped := strings.Cut(apiVersion, "/")
	first, _, _ := strings.Cut(group, ".")
	suffix := "-" + strings.ToLower(first)
	if grouped {
		suffix += "-" + strings.ToLower(version)
	}
	return strings.ToLower(kind) + suffix + ".json"
}
