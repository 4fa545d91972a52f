package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/diag"
)

// ownerKeys are the labels and annotations that name an app's owner, in
// the order they are believed.
var ownerKeys = []string{"kiln.dev/owner", "owner", "team", "app.kubernetes.io/owner", "app.kubernetes.io/team", "backstage.io/owner"}

// labelValue is a valid Kubernetes label value, which an owner must be.
var labelValue = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)

// ValidOwner reports whether owner can be an app's owner: a label value.
func ValidOwner(owner string) bool { return labelValue.MatchString(owner) }

// portName is an IANA service name, which the keys of spec.ports are.
var portName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$`)

// modeler writes one group as a definition.
type modeler struct {
	g     *group
	owner string // --owner
	ds    diag.List
	// main is the app's own container; its name is the app's in kiln's
	// objects.
	main map[string]any
}

// sources maps a definition's fields to the workload's, by the
// definition's top fields: where an error in one was written in the input.
func (m *modeler) sources() map[string]string {
	w := m.g.workload
	pod := strings.Join(podPath(w.Key.Kind), ".")
	c := fmt.Sprintf("%s.containers[name=%s]", pod, strAt(m.main, "name"))
	return map[string]string{
		"spec.image": c + ".image", "spec.resources": c + ".resources", "spec.port": c + ".ports", "spec.ports": c + ".ports",
		"spec.env": c + ".env", "spec.secrets": c + ".env", "spec.health": c + ".livenessProbe", "spec.files": c + ".volumeMounts",
		"spec.shutdown": pod + ".terminationGracePeriodSeconds", "spec.runAs": pod + ".securityContext",
		"spec.sidecars": pod + ".initContainers", "spec.initContainers": pod + ".initContainers", "spec.imagePullSecrets": pod + ".imagePullSecrets",
		"spec.scaling": "spec.replicas", "spec.workload": "spec", "spec.volumes": "spec.volumeClaimTemplates", "metadata.name": "metadata.name",
		"metadata.namespace": "metadata.namespace",
	}
}

// where names an object's place for a comment: "Deployment web (file:12)".
func where(o *Object, path string) string {
	line, _ := o.Locate(path).LineCol()
	return fmt.Sprintf("%s %s, %s:%d", o.Key.Kind, o.Key.Name, o.File.Name, line)
}

// mainContainer picks the app's own container: the one named as the
// workload, else the first.
func mainContainer(w *Object) (map[string]any, int) {
	cs := listAt(podSpec(w), "containers")
	for i, c := range cs {
		if strAt(asMap(c), "name") == w.Key.Name {
			return asMap(c), i
		}
	}
	if len(cs) == 0 {
		return nil, -1
	}
	return asMap(cs[0]), 0
}

// definition returns the definition of the group's app.
func (m *modeler) definition() *yaml.Node {
	w := m.g.workload
	m.main, _ = mainContainer(w)
	root := newMap()
	set(root, "apiVersion", scalar("kiln.dev/v1alpha1"), "")
	set(root, "kind", scalar("App"), "")
	md := newMap()
	set(md, "name", scalar(w.Key.Name), "")
	if ns := ownNamespace(w); ns != "" {
		set(md, "namespace", scalar(ns), "")
	}
	owner, why := m.findOwner()
	set(md, "owner", scalar(owner), why)
	if c := strAt(w.Value, "metadata", "annotations", "kiln.dev/contact"); c != "" {
		set(md, "contact", scalar(c), "")
	}
	set(root, "metadata", md, "")
	line, _ := w.Node.Pos.LineCol()
	root.HeadComment = fmt.Sprintf("Imported by kiln import from %s %s (%s:%d); the comments say what was inferred.", w.Key.Kind, w.Key.Name, w.File.Name, line)
	spec := newMap()
	m.workload(spec)
	set(spec, "image", scalar(strAt(m.main, "image")), "")
	m.ports(spec)
	m.volumes(spec)
	m.runAs(spec)
	m.health(spec)
	if r := resources(m.main); r != nil {
		set(spec, "resources", r, "")
	}
	m.scaling(spec)
	m.shutdown(spec)
	m.containers(spec)
	if ps := listAt(podSpec(w), "imagePullSecrets"); len(ps) > 0 {
		l := newList()
		for _, p := range ps {
			l.Content = append(l.Content, scalar(strAt(asMap(p), "name")))
		}
		set(spec, "imagePullSecrets", l, "")
	}
	env, secrets := envOf(m.main, m.g.workload.Key.Name)
	if env != nil {
		set(spec, "env", env, "")
	}
	if secrets != nil {
		set(spec, "secrets", secrets, "")
	}
	m.files(spec)
	m.externalSecrets(spec)
	m.ingress(spec)
	set(root, "spec", spec, "")
	return root
}

// findOwner reads the owner from --owner, or the workload's labels or
// annotations, or says that none was found.
func (m *modeler) findOwner() (string, string) {
	w := m.g.workload
	if m.owner != "" {
		return m.owner, ""
	}
	for _, o := range append([]*Object{w}, m.g.attached...) {
		for _, where := range []string{"labels", "annotations"} {
			for _, k := range ownerKeys {
				v := strAt(o.Value, "metadata", where, k)
				if v != "" && labelValue.MatchString(v) {
					line, _ := o.Locate("metadata." + where).LineCol()
					return v, fmt.Sprintf("inferred from the %s %s of %s %s (%s:%d)", strings.TrimSuffix(where, "s"), k, o.Key.Kind, o.Key.Name, o.File.Name, line)
				}
			}
		}
	}
	m.ds = append(m.ds, at(w.Locate("metadata"), diag.Warning, "import/no-owner",
		"%s %s names no owner (a label or annotation %s), and --owner is not given: the definition says owner: unowned; set the team that owns it", w.Key.Kind, w.Key.Name, strings.Join(ownerKeys[:3], ", ")))
	return "unowned", "TODO: no owner label or annotation in the input, and no --owner: name the team that owns the app"
}

// workload writes spec.workload for a kind other than Deployment, with
// the kind's own settings.
func (m *modeler) workload(spec *yaml.Node) {
	w := m.g.workload
	if w.Key.Kind == "Deployment" {
		return
	}
	n := newMap()
	set(n, "kind", scalar(w.Key.Kind), "")
	s := mapAt(w.Value, "spec")
	copyFields := func(from map[string]any, names ...string) {
		for _, f := range names {
			if v, ok := from[f]; ok {
				set(n, f, scalar(v), "")
			}
		}
	}
	switch w.Key.Kind {
	case "CronJob":
		copyFields(s, "schedule", "timeZone", "concurrencyPolicy", "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")
		copyFields(mapAt(s, "jobTemplate", "spec"), "activeDeadlineSeconds", "backoffLimit", "completions", "parallelism", "ttlSecondsAfterFinished")
	case "Job":
		copyFields(s, "activeDeadlineSeconds", "backoffLimit", "completions", "parallelism", "ttlSecondsAfterFinished")
	case "StatefulSet":
		copyFields(s, "podManagementPolicy")
	}
	set(spec, "workload", n, "")
}

// primaryPort picks the app's port: the main container's port named
// http or grpc, else its first; or a Service's target port.
func (m *modeler) primaryPort() (num int64, name string) {
	ports := listAt(m.main, "ports")
	for _, want := range []string{"http", "grpc"} {
		for _, p := range ports {
			if strAt(asMap(p), "name") == want {
				n, _ := asMap(p)["containerPort"].(int64)
				return n, want
			}
		}
	}
	if len(ports) > 0 {
		n, _ := asMap(ports[0])["containerPort"].(int64)
		return n, strAt(asMap(ports[0]), "name")
	}
	for _, o := range m.g.attached {
		if o.Key.Kind == "Service" {
			for _, p := range listAt(o.Value, "spec", "ports") {
				if n, ok := asMap(p)["targetPort"].(int64); ok {
					return n, ""
				}
				if n, ok := asMap(p)["port"].(int64); ok {
					return n, ""
				}
			}
		}
	}
	return 0, ""
}

// protocolOf says what the app speaks on port: grpc or http by the
// port's name or its probes, tcp otherwise.
func (m *modeler) protocolOf(port int64, name string) (string, string) {
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		p := mapAt(m.main, probe)
		if _, ok := p["grpc"]; ok {
			return "grpc", "inferred from the gRPC " + probe
		}
		if _, ok := p["httpGet"]; ok {
			return "http", "inferred from the HTTP " + probe
		}
	}
	switch {
	case strings.Contains(name, "grpc"):
		return "grpc", "inferred from the port's name " + name
	case strings.Contains(name, "http") || strings.Contains(name, "web"):
		return "http", "inferred from the port's name " + name
	}
	return "tcp", "no HTTP or gRPC probe or port name: kiln probes the port with a TCP connection"
}

// ports writes port, protocol and ports.
func (m *modeler) ports(spec *yaml.Node) {
	w := m.g.workload
	if w.Key.Kind == "Job" || w.Key.Kind == "CronJob" {
		return
	}
	port, name := m.primaryPort()
	if port == 0 {
		set(spec, "protocol", scalar("none"), "no container port in the input")
		return
	}
	why := "from the containerPort of container " + strAt(m.main, "name")
	if svc := m.service(); svc != nil {
		why += " and Service " + svc.Key.Name
	}
	set(spec, "port", scalar(port), why)
	proto, pwhy := m.protocolOf(port, name)
	set(spec, "protocol", scalar(proto), pwhy)
	others := newMap()

	for _, p := range listAt(m.main, "ports") {
		pm := asMap(p)
		n, _ := pm["containerPort"].(int64)
		pn := strAt(pm, "name")
		if n == port || !portName.MatchString(pn) || pn == proto {
			continue
		}
		e := flow(newMap())
		set(e, "port", scalar(n), "")
		if strAt(pm, "protocol") == "UDP" {
			set(e, "protocol", scalar("UDP"), "")
		}
		set(others, pn, e, "")
	}
	if len(others.Content) > 0 {
		set(spec, "ports", others, "")
	}
}

// service returns the app's Service: the one named as the workload, else
// the first.
func (m *modeler) service() *Object {
	return m.first("Service")
}

// first returns the attached object of kind, preferring the one named as
// the workload.
func (m *modeler) first(kind string) *Object {
	var found *Object
	for _, o := range m.g.attached {
		if o.Key.Kind != kind {
			continue
		}
		if o.Key.Name == m.g.workload.Key.Name {
			return o
		}
		if found == nil {
			found = o
		}
	}
	return found
}

// volumes writes a StatefulSet's volumeClaimTemplates as spec.volumes.
func (m *modeler) volumes(spec *yaml.Node) {
	w := m.g.workload
	if w.Key.Kind != "StatefulSet" {
		return
	}
	out := newMap()
	for _, t := range listAt(w.Value, "spec", "volumeClaimTemplates") {
		tm := asMap(t)
		name := strAt(tm, "metadata", "name")
		mount := ""
		for _, vm := range listAt(m.main, "volumeMounts") {
			if strAt(asMap(vm), "name") == name {
				mount = strAt(asMap(vm), "mountPath")
			}
		}
		size := strAt(tm, "spec", "resources", "requests", "storage")
		if mount == "" || size == "" {
			continue
		}
		v := newMap()
		set(v, "mountPath", scalar(mount), "")
		set(v, "size", scalar(size), "")
		if sc := strAt(tm, "spec", "storageClassName"); sc != "" {
			set(v, "storageClass", scalar(sc), "")
		}
		if am := listAt(tm, "spec", "accessModes"); len(am) == 1 {
			set(v, "accessMode", scalar(am[0]), "")
		}
		set(out, name, v, "")
	}
	if len(out.Content) > 0 {
		set(spec, "volumes", out, "")
	}
}

// runAs writes the pod's user, group and fsGroup.
func (m *modeler) runAs(spec *yaml.Node) {
	sc := mapAt(podSpec(m.g.workload), "securityContext")
	n := flow(newMap())
	for _, f := range [][2]string{{"runAsUser", "user"}, {"runAsGroup", "group"}, {"fsGroup", "fsGroup"}} {
		if v, ok := sc[f[0]].(int64); ok && v >= 1 || ok && f[0] != "runAsUser" {
			set(n, f[1], scalar(v), "")
		}
	}
	if len(n.Content) > 0 {
		set(spec, "runAs", n, "")
	}
}

// health writes the paths of HTTP probes, or the command of exec probes,
// and the timings both probes share.
func (m *modeler) health(spec *yaml.Node) {
	live, ready := mapAt(m.main, "livenessProbe"), mapAt(m.main, "readinessProbe")
	n := newMap()
	for _, p := range []struct {
		field string
		probe map[string]any
	}{{"liveness", live}, {"readiness", ready}} {
		if path := strAt(p.probe, "httpGet", "path"); path != "" && strings.HasPrefix(path, "/") {
			set(n, p.field, scalar(path), "")
		}
	}
	if cmd := listAt(live, "exec", "command"); len(cmd) > 0 && slices.EqualFunc(cmd, listAt(ready, "exec", "command"), func(a, b any) bool { return a == b }) {
		l := flow(newList())
		for _, c := range cmd {
			l.Content = append(l.Content, scalar(c))
		}
		set(n, "command", l, "the command both probes run")
	}
	// kiln's startup probe runs the liveness check failureThreshold
	// times, periodSeconds apart: startupSeconds is what that waits.
	if st := mapAt(m.main, "startupProbe"); st != nil && handler(st) != "" && handler(st) == handler(live) {
		period, threshold := int64(10), int64(3)
		if p, ok := st["periodSeconds"].(int64); ok {
			period = p
		}
		if t, ok := st["failureThreshold"].(int64); ok {
			threshold = t
		}
		if secs := (threshold - 1) * period; secs >= 1 {
			set(n, "startupSeconds", scalar(secs), "from the startupProbe: its checks span this long")
		}
	}
	for _, f := range []string{"periodSeconds", "timeoutSeconds", "failureThreshold"} {
		if v, ok := live[f]; ok && v == ready[f] {
			set(n, f, scalar(v), "")
		}
	}
	if len(n.Content) > 0 {
		set(spec, "health", n, "")
	}
}

// resources writes a container's requests and limits.
func resources(c map[string]any) *yaml.Node {
	req, lim := mapAt(c, "resources", "requests"), mapAt(c, "resources", "limits")
	// A limit without a request is the request too: the API server
	// defaults one to the other, and the pod's QoS class (Guaranteed, for
	// limits alone) follows from it.
	for _, r := range []string{"cpu", "memory"} {
		if v, ok := lim[r]; ok {
			if _, set := req[r]; !set {
				if req == nil {
					req = map[string]any{}
				}
				req[r] = v
			}
		}
	}
	n := newMap()
	for _, f := range [][3]string{{"cpu", "requests", "cpu"}, {"memory", "requests", "memory"}, {"memoryLimit", "limits", "memory"}, {"cpuLimit", "limits", "cpu"}} {
		from := req
		if f[1] == "limits" {
			from = lim
		}
		v, ok := from[f[2]]
		if !ok {
			continue
		}
		s := fmt.Sprint(v)
		if f[0] == "memoryLimit" && fmt.Sprint(req["memory"]) == s {
			continue // the memory limit equals the request by default
		}
		set(n, f[0], scalar(s), "")
	}
	if len(n.Content) == 0 {
		return nil
	}
	return n
}

// scaling writes replicas, or the autoscaler's bounds, and an SLA "at
// least" as high as the replicas and the PodDisruptionBudget show.
func (m *modeler) scaling(spec *yaml.Node) {
	w := m.g.workload
	if w.Key.Kind != "Deployment" && w.Key.Kind != "StatefulSet" {
		return
	}
	n := flow(newMap())
	replicas, _ := mapAt(w.Value, "spec")["replicas"].(int64)
	why := ""
	if hpa := m.first("HorizontalPodAutoscaler"); hpa != nil {
		s := mapAt(hpa.Value, "spec")
		lo, ok := s["minReplicas"].(int64)
		if !ok {
			lo = 1
		}
		hi, _ := s["maxReplicas"].(int64)
		set(n, "min", scalar(lo), "")
		set(n, "max", scalar(hi), "")
		for _, mt := range listAt(s, "metrics") {
			if strAt(asMap(mt), "resource", "name") == "cpu" {
				if t, ok := mapAt(asMap(mt), "resource", "target")["averageUtilization"].(int64); ok {
					set(n, "cpuTarget", scalar(t), "")
				}
			}
		}
		why = "from " + where(hpa, "spec")
	} else if replicas > 1 {
		set(n, "min", scalar(replicas), "")
		set(n, "max", scalar(replicas), "")
		why = "from the replicas of " + where(w, "spec.replicas")
	}
	if len(n.Content) > 0 {
		set(spec, "scaling", n, why)
	}
	pdb := m.first("PodDisruptionBudget")
	if pdb == nil {
		return
	}
	// The disruption budget's shape says which row of kiln's SLA table
	// (docs/sla.md) the input meets: minAvailable is the 99% row's,
	// maxUnavailable the 99.9% row's, and with a hard spread over zones
	// the 99.99% row's.
	availability := 99.0
	if _, ok := mapAt(pdb.Value, "spec")["maxUnavailable"]; ok {
		availability = 99.9
		for _, c := range listAt(podSpec(w), "topologySpreadConstraints") {
			if strAt(asMap(c), "topologyKey") == "topology.kubernetes.io/zone" && strAt(asMap(c), "whenUnsatisfiable") == "DoNotSchedule" {
				availability = 99.99
			}
		}
	}
	if len(listAt(podSpec(w), "topologySpreadConstraints")) == 0 {
		// Without a spread, kiln's scaling alone gives the app a
		// disruption budget, and an SLA would add a spread the input
		// has not: say the SLA in a comment.
		spec.HeadComment = strings.TrimSpace(spec.HeadComment + fmt.Sprintf("\nsla: %s is the disruption budget kiln's SLA table (docs/sla.md) gives availability %v:\nat least that; set spec.sla to what the app promises (it adds a topology spread)", where(pdb, "spec"), availability))
		return
	}
	sla := newMap()
	set(sla, "availability", scalar(availability), fmt.Sprintf("at least: inferred from %s, the budget kiln's SLA table (docs/sla.md) gives this availability; set what the app promises", where(pdb, "spec")))
	set(spec, "sla", sla, "")
}

// shutdown writes the pod's grace period.
func (m *modeler) shutdown(spec *yaml.Node) {
	n := flow(newMap())
	if d, ok := mapAt(m.main, "lifecycle", "preStop", "sleep")["seconds"].(int64); ok && d >= 1 {
		set(n, "drainSeconds", scalar(d), "")
	}
	if g, ok := podSpec(m.g.workload)["terminationGracePeriodSeconds"].(int64); ok && g != 30 {
		set(n, "gracePeriodSeconds", scalar(g), "")
	}
	if len(n.Content) > 0 {
		set(spec, "shutdown", n, "")
	}
}

// containers writes the other containers as sidecars and init
// containers: native sidecars (init containers that restart always) are
// sidecars.
func (m *modeler) containers(spec *yaml.Node) {
	ps := podSpec(m.g.workload)
	sidecars, inits := newList(), newList()
	// A second container of containers is not a sidecar of kiln's, which
	// is native (it starts before the app and stops after it): it stays
	// as it is, through a patch.
	for _, c := range listAt(ps, "initContainers") {
		cm := asMap(c)
		if strAt(cm, "restartPolicy") == "Always" {
			sidecars.Content = append(sidecars.Content, container(cm, true, m.g.workload.Key.Name))
			continue
		}
		inits.Content = append(inits.Content, container(cm, false, m.g.workload.Key.Name))
	}
	if len(sidecars.Content) > 0 {
		set(spec, "sidecars", sidecars, "")
	}
	if len(inits.Content) > 0 {
		set(spec, "initContainers", inits, "")
	}
}

// container writes a sidecar or an init container.
func container(c map[string]any, withPorts bool, secret string) *yaml.Node {
	n := newMap()
	set(n, "name", scalar(strAt(c, "name")), "")
	set(n, "image", scalar(strAt(c, "image")), "")
	for _, f := range []string{"command", "args"} {
		if l := listAt(c, f); len(l) > 0 {
			ln := flow(newList())
			for _, e := range l {
				ln.Content = append(ln.Content, scalar(fmt.Sprint(e)))
			}
			set(n, f, ln, "")
		}
	}
	if r := resources(c); r != nil {
		set(n, "resources", r, "")
	}
	env, secrets := envOf(c, secret)
	if env != nil {
		set(n, "env", env, "")
	}
	if secrets != nil {
		set(n, "secrets", secrets, "")
	}
	if withPorts {
		ports := newMap()
		for _, p := range listAt(c, "ports") {
			pm := asMap(p)
			if pn := strAt(pm, "name"); portName.MatchString(pn) {
				e := flow(newMap())
				set(e, "port", scalar(pm["containerPort"]), "")
				set(ports, pn, e, "")
			}
		}
		if len(ports.Content) > 0 {
			set(n, "ports", ports, "")
		}
	}
	return n
}

// envOf writes a container's literal variables as env and its Secret
// references as secrets; the rest (fieldRef, configMapKeyRef) is left to
// patches. A literal value of a variable named like a secret is not
// imported: it becomes a reference to key NAME of the Secret secret,
// which the import's warning (literalSecrets) asks to create.
func envOf(c map[string]any, secret string) (env, secrets *yaml.Node) {
	e, s := newMap(), newMap()
	for _, v := range listAt(c, "env") {
		vm := asMap(v)
		name := strAt(vm, "name")
		if _, ok := vm["value"]; ok && secretName.MatchString(name) {
			r := flow(newMap())
			set(r, "secret", scalar(secret), "")
			set(r, "key", scalar(name), "")
			set(s, name, r, "TODO: create this Secret; the input held the value itself, which kiln does not import")
			continue
		}
		if val, ok := vm["value"]; ok {
			set(e, name, scalar(fmt.Sprint(val)), "")
			continue
		}
		if ref := mapAt(vm, "valueFrom", "secretKeyRef"); ref != nil && len(mapAt(vm, "valueFrom")) == 1 && ref["optional"] == nil {
			r := flow(newMap())
			set(r, "secret", scalar(strAt(ref, "name")), "")
			set(r, "key", scalar(strAt(ref, "key")), "")
			set(s, name, r, "")
		}
	}
	if len(e.Content) > 0 {
		env = e
	}
	if len(s.Content) > 0 {
		secrets = s
	}
	return env, secrets
}

// ingress writes the app's Ingress: its first rule's host and path.
func (m *modeler) ingress(spec *yaml.Node) {
	ing := m.first("Ingress")
	if ing == nil {
		return
	}
	s := mapAt(ing.Value, "spec")
	rules := listAt(s, "rules")
	if len(rules) == 0 {
		return
	}
	host := strAt(asMap(rules[0]), "host")
	paths := listAt(asMap(rules[0]), "http", "paths")
	if host == "" || len(paths) == 0 {
		return
	}
	n := newMap()
	set(n, "host", scalar(host), "from "+where(ing, "spec.rules"))
	if p := strAt(asMap(paths[0]), "path"); p != "" {
		set(n, "path", scalar(p), "")
	}
	if tls := listAt(s, "tls"); len(tls) > 0 {
		if sn := strAt(asMap(tls[0]), "secretName"); sn != "" {
			t := flow(newMap())
			set(t, "secretName", scalar(sn), "")
			set(n, "tls", t, "")
		}
	}
	if cn := strAt(s, "ingressClassName"); cn != "" {
		set(n, "className", scalar(cn), "")
	}
	if a := mapAt(ing.Value, "metadata", "annotations"); len(a) > 0 {
		keys := make([]string, 0, len(a))
		vals := map[string]string{}
		for k, v := range a {
			keys = append(keys, k)
			vals[k] = fmt.Sprint(v)
		}
		slices.Sort(keys)
		set(n, "annotations", stringMap(keys, vals), "")
	}
	set(spec, "ingress", n, "")
}

// externalSecrets writes the app's ExternalSecrets: their store and, by
// the key of the Secret, the remote secret that fills it.
func (m *modeler) externalSecrets(spec *yaml.Node) {
	out := newMap()
	for _, o := range m.g.attached {
		if o.Key.Kind != "ExternalSecret" {
			continue
		}
		s := mapAt(o.Value, "spec")
		n := newMap()
		set(n, "store", scalar(strAt(s, "secretStoreRef", "name")), "")
		if k := strAt(s, "secretStoreRef", "kind"); k != "" {
			set(n, "storeKind", scalar(k), "")
		}
		if r := strAt(s, "refreshInterval"); r != "" {
			set(n, "refreshInterval", scalar(r), "")
		}
		data := newMap()
		for _, d := range listAt(s, "data") {
			dm := asMap(d)
			ref := flow(newMap())
			for _, f := range []string{"key", "property", "version"} {
				if v := strAt(dm, "remoteRef", f); v != "" {
					set(ref, f, scalar(v), "")
				}
			}
			set(data, strAt(dm, "secretKey"), ref, "")
		}
		set(n, "data", data, "")
		name := strAt(s, "target", "name")
		if name == "" {
			name = o.Key.Name
		}
		set(out, name, n, "from "+where(o, "spec"))
	}
	if len(out.Content) > 0 {
		set(spec, "externalSecrets", out, "")
	}
}

// files writes the ConfigMap the app's container mounts key by key
// (subPath) as spec.files: kiln keeps them in a ConfigMap of its own,
// named with a hash of their content. A ConfigMap mounted otherwise is
// not imported.
func (m *modeler) files(spec *yaml.Node) {
	for i, o := range m.g.referenced {
		if o.Key.Kind != "ConfigMap" {
			continue
		}
		volume := ""
		for _, v := range listAt(podSpec(m.g.workload), "volumes") {
			if strAt(asMap(v), "configMap", "name") == o.Key.Name {
				volume = strAt(asMap(v), "name")
			}
		}
		data := mapAt(o.Value, "data")
		out := newMap()
		mounted := map[string]bool{}
		for _, vm := range listAt(m.main, "volumeMounts") {
			mm := asMap(vm)
			key := strAt(mm, "subPath")
			content, ok := data[key].(string)
			if strAt(mm, "name") != volume || key == "" || !ok {
				continue
			}
			f := newMap()
			c := scalar(content)
			if strings.Contains(content, "\n") {
				c.Style = yaml.LiteralStyle
			}
			set(f, "content", c, "")
			set(out, strAt(mm, "mountPath"), f, "")
			mounted[key] = true
		}
		if volume == "" || len(mounted) == 0 || len(mounted) != len(data) || len(mapAt(o.Value, "binaryData")) > 0 {
			continue
		}
		set(spec, "files", out, "from "+where(o, "data"))
		m.g.files, m.g.volume = o, volume
		m.g.referenced = slices.Delete(m.g.referenced, i, i+1)
		m.g.attached = append(m.g.attached, o)
		return
	}
}
