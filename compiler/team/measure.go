package team

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
)

// An App is what the team output needs of one app's build.
type App struct {
	Name       string    `json:"name"`
	Owner      string    `json:"owner"`
	Definition string    `json:"definition"`
	NameAt     diag.Wire `json:"nameAt"` // where metadata.name is written
	Envs       []Env     `json:"envs"`   // sorted by name
}

// An Env is the app in one environment.
type Env struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"` // "" when the app names none
	// NamespaceAt is the line that sets the namespace in this environment
	// (environments.<env>.namespace, else metadata.namespace), else
	// metadata.name.
	NamespaceAt diag.Wire `json:"namespaceAt"`
	// ResourcesAt is where the app writes its CPU and memory requests in
	// this environment, by "cpu" and "memory"; missing when it does not.
	ResourcesAt map[string]diag.Wire `json:"resourcesAt,omitempty"`
	Workloads   []Workload           `json:"workloads,omitempty"`
	// Egress says the app's own NetworkPolicy governs its egress: a
	// default-deny of egress leaves it the traffic it declared.
	Egress bool `json:"egress,omitempty"`
}

// A Workload is one object that runs pods, with the most pods it runs at
// once.
type Workload struct {
	Kind       string      `json:"kind"`
	Name       string      `json:"name"`
	Pods       int64       `json:"pods"`
	Containers []Container `json:"containers"`
}

// A Container is one container of the pod template, with the quantities
// it sets (resource name → quantity, as written).
type Container struct {
	Name     string            `json:"name"`
	Init     bool              `json:"init,omitempty"`    // an init container that runs to completion first
	Sidecar  bool              `json:"sidecar,omitempty"` // an init container with restartPolicy Always: runs beside the others
	Requests map[string]string `json:"requests,omitempty"`
	Limits   map[string]string `json:"limits,omitempty"`
}

// Measure takes from res, the build of the app defined in doc, what the
// team output needs.
func Measure(doc *load.Doc, res *build.Result) App {
	a := App{Name: res.App.Metadata.Name, Owner: res.App.Metadata.Owner, Definition: doc.File.Name, NameAt: at(doc, "metadata", "name")}
	if !valid(a.NameAt) {
		a.NameAt = diag.Wire{File: doc.File.Name, Pos: diag.WireOffset(doc.Root.Pos), End: diag.WireOffset(doc.Root.Pos)}
	}
	for _, e := range res.Envs {
		a.Envs = append(a.Envs, measureEnv(doc, res, e, a.NameAt))
	}
	slices.SortFunc(a.Envs, func(x, y Env) int { return strings.Compare(x.Name, y.Name) })
	return a
}

func measureEnv(doc *load.Doc, res *build.Result, e build.Env, nameAt diag.Wire) Env {
	out := Env{Name: e.Name, NamespaceAt: nameAt, ResourcesAt: map[string]diag.Wire{}}
	for _, p := range [][]string{{"spec", "environments", e.Name, "namespace"}, {"metadata", "namespace"}} {
		if w := at(doc, p...); valid(w) {
			out.NamespaceAt = w
			break
		}
	}
	for _, r := range []string{"cpu", "memory"} {
		for _, p := range [][]string{{"spec", "environments", e.Name, "resources", r}, {"spec", "resources", r}} {
			if w := at(doc, p...); valid(w) {
				out.ResourcesAt[r] = w
				break
			}
		}
	}
	hpaMax := map[string]int64{} // "Kind/name" → spec.maxReplicas
	for _, o := range e.Objects {
		if o.Kind == "HorizontalPodAutoscaler" {
			ref, _ := dig(o.Content, "spec", "scaleTargetRef").(map[string]any)
			kind, _ := ref["kind"].(string)
			name, _ := ref["name"].(string)
			hpaMax[kind+"/"+name] = toInt(dig(o.Content, "spec", "maxReplicas"), 1)
		}
	}
	own := res.App.Metadata.Name
	for _, o := range e.Objects {
		if o.Kind == "NetworkPolicy" && o.Name == own && slices.Contains(policyTypes(o), "Egress") {
			out.Egress = true
		}
		w, ok := workload(o, hpaMax)
		if !ok {
			continue
		}
		if ns := namespaceOf(o); ns != "" && out.Namespace == "" {
			out.Namespace = ns
		}
		out.Workloads = append(out.Workloads, w)
	}
	if out.Namespace == "" {
		out.Namespace = res.App.Metadata.Namespace
		for name, ov := range res.App.Spec.Environments {
			if name == e.Name && ov.Namespace != "" {
				out.Namespace = ov.Namespace
			}
		}
	}
	return out
}

// workload reads an object that runs pods: its pod template, and the most
// pods it runs at once (see pods).
func workload(o compile.Object, hpaMax map[string]int64) (Workload, bool) {
	var spec map[string]any
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job":
		spec, _ = dig(o.Content, "spec", "template", "spec").(map[string]any)
	case "CronJob":
		spec, _ = dig(o.Content, "spec", "jobTemplate", "spec", "template", "spec").(map[string]any)
	default:
		return Workload{}, false
	}
	if spec == nil {
		return Workload{}, false
	}
	w := Workload{Kind: o.Kind, Name: o.Name, Pods: pods(o, hpaMax)}
	for _, c := range list(spec["initContainers"]) {
		ct := container(c)
		ct.Init = true
		if c["restartPolicy"] == "Always" {
			ct.Init, ct.Sidecar = false, true
		}
		w.Containers = append(w.Containers, ct)
	}
	for _, c := range list(spec["containers"]) {
		w.Containers = append(w.Containers, container(c))
	}
	return w, true
}

// pods is the most pods o runs at once: its replicas, or the autoscaler's
// maximum when one scales it, plus the Deployment's rolling-update surge
// (maxSurge, 25% by default, rounded up as the controller rounds it); a
// Job's parallelism; one for a DaemonSet (per node: kiln does not know
// the nodes) and a CronJob's run (its parallelism; overlapping runs are
// headroom's).
func pods(o compile.Object, hpaMax map[string]int64) int64 {
	spec, _ := o.Content["spec"].(map[string]any)
	switch o.Kind {
	case "Deployment", "StatefulSet":
		n := toInt(spec["replicas"], 1)
		if m, ok := hpaMax[o.Kind+"/"+o.Name]; ok {
			n = m
		}
		if o.Kind == "Deployment" {
			n += surge(spec, n)
		}
		return n
	case "Job":
		return toInt(spec["parallelism"], 1)
	case "CronJob":
		return toInt(dig(spec, "jobTemplate", "spec", "parallelism"), 1)
	}
	return 1
}

// surge is how many pods a Deployment's rolling update adds to n.
func surge(spec map[string]any, n int64) int64 {
	strategy, _ := spec["strategy"].(map[string]any)
	if strategy["type"] == "Recreate" {
		return 0
	}
	v := dig(strategy, "rollingUpdate", "maxSurge")
	if v == nil {
		v = "25%"
	}
	if s, ok := v.(string); ok && strings.HasSuffix(s, "%") {
		p, err := strconv.ParseInt(strings.TrimSuffix(s, "%"), 10, 64)
		if err != nil {
			return 0
		}
		return (n*p + 99) / 100
	}
	return toInt(v, 0)
}

func container(c map[string]any) Container {
	name, _ := c["name"].(string)
	return Container{Name: name, Requests: quantities(dig(c, "resources", "requests")), Limits: quantities(dig(c, "resources", "limits"))}
}

func quantities(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch q := m[k].(type) {
		case string:
			out[k] = q
		case int64:
			out[k] = strconv.FormatInt(q, 10)
		case float64:
			out[k] = strconv.FormatFloat(q, 'f', -1, 64)
		}
	}
	return out
}

func policyTypes(o compile.Object) []string {
	var out []string
	for _, t := range asList(dig(o.Content, "spec", "policyTypes")) {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func namespaceOf(o compile.Object) string {
	ns, _ := dig(o.Content, "metadata", "namespace").(string)
	return ns
}

// at is where doc writes the field at path, as a Wire; an invalid Wire
// when it does not.
func at(doc *load.Doc, path ...string) diag.Wire {
	n := doc.Lookup(path)
	if n == nil {
		return diag.Wire{Pos: -1}
	}
	return diag.Wire{File: doc.File.Name, Pos: diag.WireOffset(n.Pos), End: diag.WireOffset(n.End)}
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func list(v any) []map[string]any {
	var out []map[string]any
	for _, it := range asList(v) {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func toInt(v any, def int64) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case float64:
		return int64(n)
	}
	return def
}

// valid reports whether w points into a file.
func valid(w diag.Wire) bool { return w.File != "" && w.Pos >= 0 }
