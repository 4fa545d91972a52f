package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/objdiff"
	"github.com/kilnhq/kiln/compiler/source"
)

// A Score is a Score workload file (score.dev/v1b1), read as the
// Kubernetes objects score-k8s would write for it: a Deployment of its
// containers and a Service of its ports. Import then treats them as any
// other input, so that the round trip is proven on them too.
//
// What import maps of Score: metadata.name; containers (the one named as
// the workload, else the first, is the app's; the others are sidecars)
// with image, command, args, variables, resources and probes;
// service.ports. Variables that refer to resources (${resources.db.host})
// and the resources, files and volumes sections are provisioned by a
// Score implementation, not written in the file: each is a warning at
// its line, and not imported.
type Score struct {
	Objects []*Object
}

// isScore reports whether a document is a Score workload.
func isScore(n *load.Node) bool {
	f := n.Field("apiVersion")
	if f == nil || f.Value.Kind != load.String {
		return false
	}
	s, _ := f.Value.Scalar.(string)
	return strings.HasPrefix(s, "score.dev/")
}

var (
	dnsLabel    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	placeholder = regexp.MustCompile(`\$\{[^}]*\}`)
)

// readScore reads a Score workload into objects positioned at its nodes.
func readScore(f *source.File, root *load.Node) (*Score, diag.List) {
	var ds diag.List
	fail := func(n *load.Node, format string, args ...any) (*Score, diag.List) {
		return nil, append(ds, at(n.Pos, diag.Error, "import/score", format, args...))
	}
	if root.Kind != load.Map {
		return fail(root, "a Score workload is a map")
	}
	api, _ := root.Field("apiVersion").Value.Scalar.(string)
	if api != "score.dev/v1b1" {
		return fail(root.Field("apiVersion").Value, "kiln import reads Score workloads of apiVersion score.dev/v1b1, not %s", api)
	}
	md := root.Field("metadata")
	if md == nil || md.Value.Kind != load.Map {
		return fail(root, "a Score workload needs metadata with its name")
	}
	nf := md.Value.Field("name")
	if nf == nil {
		return fail(md.Value, "a Score workload needs metadata.name")
	}
	name, _ := nf.Value.Scalar.(string)
	if !dnsLabel.MatchString(name) {
		return fail(nf.Value, "metadata.name %s is not a DNS-1123 label (lower-case letters, digits and '-'), which names every object", nf.Value.String())
	}
	cf := root.Field("containers")
	if cf == nil || cf.Value.Kind != load.Map || len(cf.Value.Fields) == 0 {
		n := root
		if cf != nil {
			n = cf.Value
		}
		return fail(n, "a Score workload needs containers: a map of at least one container, by name")
	}
	containers := []any{}
	mainAt := 0
	for i, c := range cf.Value.Fields {
		if c.Value.Kind != load.Map {
			return fail(c.Value, "container %s is not a map", c.Name)
		}
		img := c.Value.Field("image")
		if img == nil || img.Value.Kind != load.String {
			return fail(c.Value, "container %s needs an image", c.Name)
		}
		if s, _ := img.Value.Scalar.(string); s == "." {
			return fail(img.Value, "image \".\" is the image a Score implementation builds; kiln needs the image reference it runs, pinned to a tag or digest")
		}
		cont, more := scoreContainer(c.Name, c.Value)
		ds = append(ds, more...)
		containers = append(containers, cont)
		if c.Name == name {
			mainAt = i
		}
	}
	if mainAt != 0 {
		containers[0], containers[mainAt] = containers[mainAt], containers[0]
	}
	for _, section := range []string{"resources", "files", "volumes"} {
		if s := root.Field(section); s != nil {
			ds = append(ds, at(s.KeyPos, diag.Warning, "import/score-"+section,
				"Score's %s are provisioned by a Score implementation; kiln does not provision them, and they are not imported", section))
		}
	}
	labels := map[string]any{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
	dep := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{"metadata": map[string]any{"labels": deepCopy(labels)}, "spec": map[string]any{"containers": containers}}}}
	objs := []*Object{scoreObject(f, root, dep)}
	if svc, ok := scoreService(name, root); ok {
		objs = append(objs, scoreObject(f, root.Field("service").Value, svc))
	}
	return &Score{Objects: objs}, ds
}

// scoreObject is an object made from a Score file, positioned at n.
func scoreObject(f *source.File, n *load.Node, v map[string]any) *Object {
	return &Object{Key: objdiff.KeyOf(v), Value: v, File: f, Node: &load.Node{Kind: load.Map, Pos: n.Pos, End: n.End}}
}

// scoreContainer reads one container.
func scoreContainer(name string, n *load.Node) (map[string]any, diag.List) {
	v := plain(n.Value()).(map[string]any)
	c := map[string]any{"name": name, "image": v["image"]}
	for _, f := range []string{"command", "args", "resources", "livenessProbe", "readinessProbe"} {
		if x, ok := v[f]; ok {
			c[f] = x
		}
	}
	var ds diag.List
	if vars := n.Field("variables"); vars != nil && vars.Value.Kind == load.Map {
		var env []any
		for _, e := range vars.Value.Fields {
			s := fmt.Sprint(plain(e.Value.Value()))
			if placeholder.MatchString(s) {
				ds = append(ds, at(e.Value.Pos, diag.Warning, "import/score-placeholder",
					"variable %s refers to what a Score implementation provisions (%s); kiln cannot resolve it, and it is not imported: set it in spec.env or spec.secrets", e.Name, placeholder.FindString(s)))
				continue
			}
			env = append(env, map[string]any{"name": e.Name, "value": s})
		}
		slices.SortFunc(env, func(a, b any) int { return strings.Compare(asMap(a)["name"].(string), asMap(b)["name"].(string)) })
		if len(env) > 0 {
			c["env"] = env
		}
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		// Score's httpGet has no host header list of Kubernetes' shape
		// to convert; its path and port are Kubernetes'.
		if p := asMap(c[probe]); p != nil {
			if hg := asMap(p["httpGet"]); hg != nil {
				delete(hg, "httpHeaders")
			}
		}
	}
	return c, ds
}

// scoreService is the Service of service.ports, and the container ports
// it targets.
func scoreService(name string, root *load.Node) (map[string]any, bool) {
	sf := root.Field("service")
	if sf == nil {
		return nil, false
	}
	pf := sf.Value.Field("ports")
	if pf == nil || pf.Value.Kind != load.Map || len(pf.Value.Fields) == 0 {
		return nil, false
	}
	var ports []any
	for _, p := range pf.Value.Fields {
		pm := asMap(plain(p.Value.Value()))
		port := map[string]any{"name": p.Name, "port": pm["port"]}
		if t, ok := pm["targetPort"]; ok {
			port["targetPort"] = t
		}
		if pr, ok := pm["protocol"]; ok {
			port["protocol"] = pr
		}
		ports = append(ports, port)
	}
	return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"selector": map[string]any{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}, "ports": ports}}, true
}
