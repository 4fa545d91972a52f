package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
)

// A group is one app's objects: its workload and what belongs to it.
type group struct {
	workload *Object
	// attached are the objects of the app other than the workload, in
	// input order.
	attached []*Object
	// referenced are the ConfigMaps and Secrets the pods name, which
	// import does not carry (their content is data, not the app's shape).
	referenced []*Object
	// files is the ConfigMap whose keys the app's container mounts one
	// by one, imported as spec.files, and volume the volume that mounts
	// it: kiln names both its own way.
	files  *Object
	volume string
}

// workloadKinds are the kinds whose pods an app runs, as
// spec.workload.kind names them.
var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}

// podTemplatePath is where a workload kind keeps its pod template.
func podTemplatePath(kind string) []string {
	if kind == "CronJob" {
		return []string{"spec", "jobTemplate", "spec", "template"}
	}
	return []string{"spec", "template"}
}

// podTemplate returns the pod template of a workload object.
func podTemplate(o *Object) map[string]any {
	var v any = o.Value
	for _, k := range podTemplatePath(o.Key.Kind) {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

// podSpec returns the pod spec of a workload object.
func podSpec(o *Object) map[string]any {
	return mapAt(podTemplate(o), "spec")
}

// podLabels returns the labels of a workload's pods.
func podLabels(o *Object) map[string]any {
	return mapAt(podTemplate(o), "metadata", "labels")
}

// mapAt walks maps along keys.
func mapAt(v map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		v, _ = v[k].(map[string]any)
	}
	return v
}

func strAt(v map[string]any, keys ...string) string {
	s, _ := mapAt(v, keys[:len(keys)-1]...)[keys[len(keys)-1]].(string)
	return s
}

// selects reports whether a non-empty selector (a map of labels) picks
// pods with labels.
func selects(selector, labels map[string]any) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// ownNamespace is o's namespace, "" for the default one.
func ownNamespace(o *Object) string {
	if o.Key.Namespace == "default" {
		return ""
	}
	return o.Key.Namespace
}

// groupObjects sorts objs into one group per workload, and reports what
// belongs to none.
func groupObjects(objs []*Object) ([]*group, diag.List) {
	var groups []*group
	for _, o := range objs {
		if slices.Contains(workloadKinds, o.Key.Kind) {
			groups = append(groups, &group{workload: o})
		}
	}
	claimed := map[*Object]bool{}
	for _, g := range groups {
		claimed[g.workload] = true
	}
	claim := func(g *group, o *Object) {
		claimed[o] = true
		g.attached = append(g.attached, o)
	}
	var ds diag.List
	for _, o := range objs {
		if claimed[o] {
			continue
		}
		for _, g := range groups {
			if ownNamespace(o) != ownNamespace(g.workload) {
				continue
			}
			if belongs(g, o) {
				claim(g, o)
				break
			}
		}
	}
	// An Ingress belongs to the app whose Service it routes to.
	for _, o := range objs {
		if claimed[o] || o.Key.Kind != "Ingress" {
			continue
		}
		for _, g := range groups {
			if ownNamespace(o) == ownNamespace(g.workload) && routesTo(o, g) {
				claim(g, o)
				break
			}
		}
	}
	for _, o := range objs {
		if claimed[o] {
			continue
		}
		for _, g := range groups {
			if ownNamespace(o) == ownNamespace(g.workload) && (o.Key.Kind == "ConfigMap" || o.Key.Kind == "Secret") && references(g.workload, o.Key.Kind, o.Key.Name) {
				claimed[o] = true
				g.referenced = append(g.referenced, o)
				break
			}
		}
	}
	for _, o := range objs {
		if o.Key.Kind == "Secret" {
			ds = append(ds, secretWarning(o))
		}
		if claimed[o] {
			continue
		}
		ds = append(ds, unclaimed(o))
	}
	return groups, ds
}

// belongs reports whether o, a Service, HorizontalPodAutoscaler,
// PodDisruptionBudget, NetworkPolicy or ServiceAccount, is the workload's.
func belongs(g *group, o *Object) bool {
	w := g.workload
	labels := podLabels(w)
	switch o.Key.Kind {
	case "Service":
		return selects(mapAt(o.Value, "spec", "selector"), labels)
	case "HorizontalPodAutoscaler":
		ref := mapAt(o.Value, "spec", "scaleTargetRef")
		return ref["kind"] == w.Key.Kind && ref["name"] == w.Key.Name
	case "PodDisruptionBudget":
		sel := mapAt(o.Value, "spec", "selector")
		return len(sel) == 1 && selects(mapAt(sel, "matchLabels"), labels)
	case "NetworkPolicy":
		sel := mapAt(o.Value, "spec", "podSelector")
		return len(sel) == 1 && selects(mapAt(sel, "matchLabels"), labels)
	case "ServiceAccount":
		return strAt(podSpec(w), "serviceAccountName") == o.Key.Name
	case "ExternalSecret":
		target := strAt(o.Value, "spec", "target", "name")
		if target == "" {
			target = o.Key.Name
		}
		return strings.HasPrefix(o.Key.APIVersion, "external-secrets.io/") && references(w, "Secret", target)
	}
	return false
}

// routesTo reports whether an Ingress sends traffic to one of g's
// Services.
func routesTo(ing *Object, g *group) bool {
	for _, o := range g.attached {
		if o.Key.Kind != "Service" {
			continue
		}
		for _, r := range listAt(ing.Value, "spec", "rules") {
			for _, p := range listAt(asMap(r), "http", "paths") {
				if strAt(asMap(p), "backend", "service", "name") == o.Key.Name {
					return true
				}
			}
		}
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listAt(v map[string]any, keys ...string) []any {
	l, _ := mapAt(v, keys[:len(keys)-1]...)[keys[len(keys)-1]].([]any)
	return l
}

// references reports whether the workload's pods name the ConfigMap or
// Secret called name: in a volume, envFrom or an env value.
func references(w *Object, kind, name string) bool {
	spec := podSpec(w)
	for _, s := range listAt(spec, "imagePullSecrets") {
		if kind == "Secret" && strAt(asMap(s), "name") == name {
			return true
		}
	}
	for _, v := range listAt(spec, "volumes") {
		vm := asMap(v)
		if kind == "ConfigMap" && strAt(vm, "configMap", "name") == name || kind == "Secret" && strAt(vm, "secret", "secretName") == name {
			return true
		}
	}
	for _, c := range append(listAt(spec, "containers"), listAt(spec, "initContainers")...) {
		cm := asMap(c)
		for _, e := range listAt(cm, "envFrom") {
			if kind == "ConfigMap" && strAt(asMap(e), "configMapRef", "name") == name || kind == "Secret" && strAt(asMap(e), "secretRef", "name") == name {
				return true
			}
		}
		for _, e := range listAt(cm, "env") {
			if kind == "ConfigMap" && strAt(asMap(e), "valueFrom", "configMapKeyRef", "name") == name || kind == "Secret" && strAt(asMap(e), "valueFrom", "secretKeyRef", "name") == name {
				return true
			}
		}
	}
	return false
}

// secretName matches the names of variables that hold secrets, as the
// literal-secrets guardrail does (policies/literal_secrets.rego).
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|PASS$|PWD$|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL)`)

// literalSecrets warns of each variable of w's containers named like a
// secret that holds its value in the manifest, at the value: the import
// refers to a Secret instead (envOf) and does not carry the value.
func literalSecrets(w *Object) diag.List {
	var ds diag.List
	pod := strings.Join(podPath(w.Key.Kind), ".")
	for _, list := range []string{"initContainers", "containers"} {
		for _, c := range listAt(podSpec(w), list) {
			cname := strAt(asMap(c), "name")
			for _, v := range listAt(asMap(c), "env") {
				name := strAt(asMap(v), "name")
				if _, ok := asMap(v)["value"]; ok && secretName.MatchString(name) {
					path := fmt.Sprintf("%s.%s[name=%s].env[name=%s].value", pod, list, cname, name)
					ds = append(ds, at(w.Locate(path), diag.Warning, "import/literal-secret",
						"%s %s: %s holds a secret's value in the manifest; kiln never imports secret values: the definition refers to key %s of Secret %s instead, which you create (a secret manager through spec.externalSecrets, or SOPS)", w.Key.Kind, w.Key.Name, name, name, w.Key.Name))
				}
			}
		}
	}
	return ds
}

// secretWarning says that a Secret's values are not imported.
func secretWarning(o *Object) diag.Diagnostic {
	for _, f := range []string{"data", "stringData"} {
		if _, ok := o.Value[f]; ok {
			return at(o.Locate(f), diag.Warning, "import/literal-secret",
				"Secret %s holds its values in the manifest; kiln never imports secret values: keep the Secret out of the repository (a secret manager through spec.externalSecrets, or SOPS) and refer to it by name", o.Key.Name)
		}
	}
	return at(o.Locate("metadata.name"), diag.Info, "import/secret", "Secret %s is not imported: the app refers to Secrets by name, and kiln writes no secret values", o.Key.Name)
}

// unclaimed says why an object belongs to no app.
func unclaimed(o *Object) diag.Diagnostic {
	pos := o.Node.Pos
	if hook := strAt(o.Value, "metadata", "annotations", "helm.sh/hook"); hook != "" {
		return at(pos, diag.Warning, "import/helm-hook", "%s %s is a Helm hook (%s): it runs in Helm's release lifecycle, which kiln's output has not; it is not imported", o.Key.Kind, o.Key.Name, hook)
	}
	switch o.Key.Kind {
	case "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount", "Ingress", "ConfigMap":
		return at(pos, diag.Warning, "import/unclaimed", "%s %s selects or is named by no workload of the input, so it belongs to no app; it is not imported", o.Key.Kind, o.Key.Name)
	case "Secret":
		return at(pos, diag.Info, "import/unclaimed", "Secret %s is named by no workload of the input; it is not imported", o.Key.Name)
	case "Namespace":
		return at(pos, diag.Info, "import/namespace", "Namespace %s is not imported: the apps in it say metadata.namespace, and the namespace itself is the platform's", o.Key.Name)
	case "Kustomization", "Component":
		return at(pos, diag.Warning, "import/kustomization", "%s is kustomize's own file, not an object: its transformations are not applied; import the output of kustomize build to include them", o.Key.Kind)
	}
	return at(pos, diag.Warning, "import/no-model", "kiln has no model for a %s (%s), and the app model carries no extra objects: %s is not imported; keep it beside the app's output", o.Key.Kind, o.Key.APIVersion, o.Key.Name)
}
