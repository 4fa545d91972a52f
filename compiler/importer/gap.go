package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/objdiff"
)

// A pair is an input object and the object kiln built for it.
type pair struct {
	in    *Object
	built map[string]any // as kiln built it, nil when kiln built none
	// inN and builtN are both sides normalized (defaults.go), builtN
	// with the input's key so that they compare as one object.
	inN, builtN map[string]any
	renamed     bool // kiln names it otherwise (the app's name)
}

// An alias is what kiln names its own way and the input otherwise, by
// design: the ConfigMap of spec.files and the volume that mounts it.
type alias struct {
	files  *Object
	volume string
}

// An op is one JSON 6902 operation that brings a built object back to
// the input, and why it is needed.
type op struct {
	Op, Path string
	Value    any
	HasValue bool
	// at is the field of the input the operation carries (path syntax);
	// why says why the model could not.
	at, why string
	// naming says the operation only restores a name or selector kiln
	// writes its own way: no value of the app changes.
	naming bool
}

// The outcome of comparing one app's input with what kiln built.
type comparison struct {
	pairs []*pair
	added []objdiff.Key // objects kiln adds that the input has not
	// lost are the differences that are the input's: a field lost or
	// changed; additions are what kiln adds.
	lost      []objdiff.Change
	additions []objdiff.Change
	ops       map[*pair][]op
	// follow are the patches of objects kiln adds that select the app's
	// pods, to select them by the input's selector (followSelector).
	follow    []followPatch
	alias     alias
	filesName string // the name of kiln's ConfigMap of spec.files
	// renames are the input's objects kiln names otherwise, kind/name →
	// kiln's name: the name is a difference once, at the object, and the
	// references to it (an Ingress's backend, the pods' service account,
	// a StatefulSet's serviceName) follow it rather than break.
	renames map[string]string
}

// pairUp matches each input object with a built one: by key, else the
// one built object of its kind that no input object has by key.
func pairUp(in []*Object, built []map[string]any) ([]*pair, []objdiff.Key) {
	used := make([]bool, len(built))
	key := func(m map[string]any) objdiff.Key {
		k := objdiff.KeyOf(m)
		if k.Namespace == "default" {
			k.Namespace = ""
		}
		return k
	}
	var pairs []*pair
	for _, o := range in {
		p := &pair{in: o}
		want := o.Key
		if want.Namespace == "default" {
			want.Namespace = ""
		}
		for i, b := range built {
			if !used[i] && key(b) == want {
				used[i], p.built = true, b
				break
			}
		}
		pairs = append(pairs, p)
	}
	for _, p := range pairs {
		if p.built != nil {
			continue
		}
		for i, b := range built {
			if !used[i] && key(b).Kind == p.in.Key.Kind && key(b).APIVersion == p.in.Key.APIVersion {
				used[i], p.built, p.renamed = true, b, true
				break
			}
		}
	}
	var added []objdiff.Key
	for i, b := range built {
		if !used[i] {
			added = append(added, key(b))
		}
	}
	return pairs, added
}

// compare compares an app's input objects with the objects kiln built,
// and derives the operations that carry what differs.
func compare(in []*Object, built []map[string]any, al alias) *comparison {
	c := &comparison{ops: map[*pair][]op{}, alias: al}
	c.pairs, c.added = pairUp(in, built)
	c.renames = map[string]string{}
	for _, p := range c.pairs {
		if p.in == al.files && p.built != nil {
			c.filesName = strAt(p.built, "metadata", "name")
		}
		if p.renamed && p.in != al.files {
			c.renames[p.in.Key.Kind+"/"+p.in.Key.Name] = strAt(p.built, "metadata", "name")
		}
	}
	for _, k := range c.added {
		c.additions = append(c.additions, objdiff.Change{Key: k, Op: objdiff.Added})
	}
	for _, p := range c.pairs {
		if p.built == nil {
			c.lost = append(c.lost, objdiff.Change{Key: p.in.Key, Op: objdiff.Removed})
			continue
		}
		c.comparePair(p)
	}
	c.followSelector()
	return c
}

// overwrites reports whether the input's pod labels give a label kiln
// selects its pods by another value: the pods then carry the input's
// value (its labels are patched back), and kiln's selectors match none.
// Otherwise the pods carry kiln's labels beside the input's.
func overwrites(podLabels, kilnSelector map[string]any) bool {
	for k, v := range kilnSelector {
		if in, ok := podLabels[k]; ok && !sameTree(in, v) {
			return true
		}
	}
	return false
}

// secretEnv reports whether path is in a variable named like a secret
// (secretName), whose literal value the import never carries: in the
// input's or kiln's variable there, by name or, for a reordered list,
// by position.
func secretEnv(path fieldpath.Path, in, built map[string]any) bool {
	for i := 0; i+1 < len(path); i++ {
		if path[i].Field != "env" {
			continue
		}
		if path[i+1].Key == "name" {
			return secretName.MatchString(path[i+1].Value)
		}
		for _, obj := range []map[string]any{in, built} {
			if v, _, err := path[:i+2].Resolve(obj); err == nil && secretName.MatchString(strAt(asMap(v), "name")) {
				return true
			}
		}
	}
	return false
}

// redacted stands for a secret's value in a report.
func redacted(v any) any {
	if v == nil {
		return nil
	}
	return "(secret value)"
}

// A followPatch is a patch of an object kiln adds, about a field of the
// input's object in.
type followPatch struct {
	kind, name string
	in         *Object
	ops        []op
}

// selectorOf is where each kind kiln may add selects the app's pods, and
// whether it takes a label selector (matchLabels, matchExpressions) or a
// plain map of labels.
var selectorOf = map[string]struct {
	field string
	plain bool
}{
	"PodDisruptionBudget": {"selector", false},
	"NetworkPolicy":       {"podSelector", false},
	"Service":             {"selector", true},
}

// followSelector makes the objects kiln adds select the app's pods by the
// input's selector when the workload keeps it (comparePair): they select
// by kiln's labels, which a Helm chart's pods, say, do not carry, so a
// PodDisruptionBudget would guard no pod and a NetworkPolicy open none.
func (c *comparison) followSelector() {
	i := slices.IndexFunc(c.pairs, func(p *pair) bool {
		return p.built != nil && slices.Contains(workloadKinds, p.in.Key.Kind) && p.in.Key.Kind != "Job" && p.in.Key.Kind != "CronJob"
	})
	if i < 0 {
		return
	}
	w := c.pairs[i]
	inSel := asMap(asMap(w.inN["spec"])["selector"])
	if inSel == nil || !overwrites(podLabels(w.in), asMap(asMap(asMap(w.builtN["spec"])["selector"])["matchLabels"])) {
		return
	}
	for _, k := range c.added {
		at, ok := selectorOf[k.Kind]
		if !ok {
			continue
		}
		var value any = inSel
		if at.plain {
			if len(inSel) != 1 || inSel["matchLabels"] == nil {
				continue // a Service selects by labels only
			}
			value = inSel["matchLabels"]
		}
		c.follow = append(c.follow, followPatch{kind: k.Kind, name: k.Name, in: w.in, ops: []op{{
			Op: "replace", Path: "/spec/" + at.field, Value: value, HasValue: true, at: "spec.selector", naming: true,
			why: "kiln's " + k.Kind + " selects the app's pods as the workload does, by the input's selector",
		}}})
	}
}

// comparePair compares one pair field by field.
func (c *comparison) comparePair(p *pair) {
	in := p.in.Value
	b := deepCopy(p.built).(map[string]any)
	var ops []op
	ops = append(ops, alignContainer(p.in, b)...)
	ops = append(ops, alignPorts(p.in, b)...)
	if c.alias.files != nil && slices.Contains(workloadKinds, p.in.Key.Kind) {
		in = deepCopy(in).(map[string]any)
		ops = append(ops, c.alignFiles(p.in.Key.Kind, in, b)...)
	}
	if len(c.renames) > 0 {
		in = c.followRenames(p.in.Key.Kind, deepCopy(in).(map[string]any))
	}
	p.inN = normalize(in)
	p.builtN = normalize(b)
	bmd := asMap(p.builtN["metadata"])
	if p.renamed && p.in != c.alias.files {
		c.lost = append(c.lost, objdiff.Change{Key: p.in.Key, Op: objdiff.Changed, Fields: []objdiff.Field{{Path: "metadata.name", Old: p.in.Key.Name, New: bmd["name"]}}})
	}
	bmd["name"] = p.in.Key.Name
	if ns := asMap(p.inN["metadata"])["namespace"]; ns != nil {
		bmd["namespace"] = ns
	}
	changes := objdiff.Objects([]map[string]any{p.inN}, []map[string]any{p.builtN})
	var lost, added []objdiff.Field
	sels := append(selectorPaths(p.in.Key.Kind), otherProbes(p.in, p.inN, p.builtN)...)
	for _, sel := range sels {
		iv, _, ierr := sel.Resolve(p.inN)
		bv, _, berr := sel.Resolve(p.builtN)
		if ierr == nil && (berr != nil || !sameTree(iv, bv)) {
			lost = append(lost, objdiff.Field{Path: sel.String(), Old: iv, New: bv})
			why := "kiln selects the app's pods by its own labels; the input's selector is kept, as a workload's selector cannot change once it exists"
			if last := sel[len(sel)-1].Field; strings.HasSuffix(last, "Probe") {
				why = "the input's " + last + " checks the app another way than spec.health can say"
			}
			ops = append(ops, op{Op: "replace", Path: pointer(sel, b), Value: iv, HasValue: true, at: sel.String(), why: why, naming: !strings.HasSuffix(why, "can say")})
		}
	}
	for _, ch := range changes {
		for _, f := range ch.Fields {
			path, err := fieldpath.ParsePath(f.Path)
			if err != nil || under(path, sels) {
				continue
			}
			if secretEnv(path, p.inN, p.builtN) {
				// Never carried: the definition refers to a Secret
				// instead (envOf), and the loss never shows the value.
				if path[len(path)-1].Field != "name" {
					f.Old, f.New = redacted(f.Old), redacted(f.New)
				}
				lost = append(lost, f)
				continue
			}
			if o, ok := c.opFor(p, path, f, b); ok {
				ops = append(ops, o)
				if o.Op == "remove" && f.Old == nil && !isDefaultChange(p, path) {
					added = append(added, f) // a probe kiln would add, taken out again
				} else {
					lost = append(lost, f)
				}
				continue
			}
			added = append(added, f)
		}
	}
	if len(lost) > 0 {
		c.lost = append(c.lost, objdiff.Change{Key: p.in.Key, Op: objdiff.Changed, Fields: lost})
	}
	if len(added) > 0 {
		c.additions = append(c.additions, objdiff.Change{Key: p.in.Key, Op: objdiff.Changed, Fields: added})
	}
	c.ops[p] = ops
}

// alignFiles names the ConfigMap of spec.files in the input's volume as
// kiln does (by its content's hash), and kiln's volume of it as the
// input does, with the operations that rename the volume.
func (c *comparison) alignFiles(kind string, in, b map[string]any) []op {
	vols, _ := fieldpath.Resolve(in, append(podPath(kind), "volumes"))
	for _, v := range asList(vols) {
		if cm := mapAt(asMap(v), "configMap"); cm != nil && cm["name"] == c.alias.files.Key.Name && c.filesName != "" {
			cm["name"] = c.filesName
		}
	}
	base := podPath(kind)
	var ops []op
	vols, _ = fieldpath.Resolve(b, append(base, "volumes"))
	for i, v := range asList(vols) {
		if vm := asMap(v); strAt(vm, "configMap", "name") == c.filesName && strAt(vm, "name") != c.alias.volume {
			old := strAt(vm, "name")
			vm["name"] = c.alias.volume
			ops = append(ops, op{Op: "replace", Path: toPointer(append(base, "volumes", fmt.Sprint(i), "name")), Value: c.alias.volume, HasValue: true,
				at: fieldpath.Join(strings.Join(base, "."), "volumes"), why: "kiln names the volume of spec.files files", naming: true})
			cs, _ := fieldpath.Resolve(b, append(base, "containers"))
			for j, ct := range asList(cs) {
				for k, m := range listAt(asMap(ct), "volumeMounts") {
					if mm := asMap(m); mm["name"] == old {
						mm["name"] = c.alias.volume
						ops = append(ops, op{Op: "replace", Path: toPointer(append(base, "containers", fmt.Sprint(j), "volumeMounts", fmt.Sprint(k), "name")), Value: c.alias.volume, HasValue: true,
							at: fieldpath.Join(strings.Join(base, "."), "volumes"), why: "kiln names the volume of spec.files files", naming: true})
					}
				}
			}
		}
	}
	return ops
}

// followRenames rewrites in's references to objects kiln names
// otherwise to kiln's names.
func (c *comparison) followRenames(kind string, in map[string]any) map[string]any {
	rename := func(m map[string]any, field, kind string) {
		if n, ok := c.renames[kind+"/"+strAt(m, field)]; ok {
			m[field] = n
		}
	}
	switch {
	case kind == "Ingress":
		for _, r := range listAt(in, "spec", "rules") {
			for _, p := range listAt(asMap(r), "http", "paths") {
				rename(mapAt(asMap(p), "backend", "service"), "name", "Service")
			}
		}
	case slices.Contains(workloadKinds, kind):
		rename(mapAt(in, podPath(kind)...), "serviceAccountName", "ServiceAccount")
		if kind == "StatefulSet" {
			rename(mapAt(in, "spec"), "serviceName", "Service")
		}
	}
	return in
}

// isDefaultChange reports whether kiln set a field the input leaves to
// the API server's default, to another value.
func isDefaultChange(p *pair, path fieldpath.Path) bool {
	_, ok := defaultAt(p.in.Key.Kind, elemsIn(path, p.builtN), p.builtN)
	return ok
}

// opFor returns the operation that carries field f of the input into
// the built object b, or false for a field kiln adds that may stay.
func (c *comparison) opFor(p *pair, path fieldpath.Path, f objdiff.Field, b map[string]any) (op, bool) {
	at := f.Path
	switch {
	case f.Old != nil && f.New != nil:
		return op{Op: "replace", Path: pointer(path, b), Value: f.Old, HasValue: true, at: at, why: reason(p.in.Key.Kind, path, "replace")}, true
	case f.Old != nil:
		return op{Op: "add", Path: addPointer(path, b), Value: f.Old, HasValue: true, at: at, why: reason(p.in.Key.Kind, path, "add"),
			naming: strings.Contains(at, "metadata.labels")}, true
	}
	// A field only kiln's object has.
	if o, ok := oneOf(p, path); ok {
		return o, true
	}
	if d, ok := defaultAt(p.in.Key.Kind, elemsIn(path, p.builtN), p.builtN); ok && !sameValue(d, f.New) {
		return op{Op: "remove", Path: pointer(path, b), at: at,
			why: fmt.Sprintf("kiln sets %v where the input leaves the API server's default (%v)", f.New, d)}, true
	}
	if last := path[len(path)-1].Field; last == "livenessProbe" || last == "readinessProbe" || last == "startupProbe" {
		return op{Op: "remove", Path: pointer(path, b), at: parentPath(path),
			why: "kiln probes the app by default, and the input has no " + last + ": declare spec.health to have one"}, true
	}
	return op{}, false
}

// exclusive are the fields of a kind of which an object sets one at most:
// the API server refuses a PodDisruptionBudget with both minAvailable and
// maxUnavailable, and an Ingress backend's port with both a name and a
// number. The parent is the field that holds them.
var exclusive = []struct {
	kind, parent string
	fields       [2]string
}{
	{"PodDisruptionBudget", "spec", [2]string{"minAvailable", "maxUnavailable"}},
	{"Ingress", "port", [2]string{"name", "number"}},
}

// oneOf removes a field only kiln's object has when the input sets the
// other of an exclusive pair beside it: kiln's choice gives way to the
// input's, which the comparison carries over.
func oneOf(p *pair, path fieldpath.Path) (op, bool) {
	if len(path) < 2 {
		return op{}, false
	}
	last, parent := path[len(path)-1].Field, path[len(path)-2].Field
	for _, e := range exclusive {
		if e.kind != p.in.Key.Kind || e.parent != parent || !slices.Contains(e.fields[:], last) {
			continue
		}
		other := e.fields[0]
		if other == last {
			other = e.fields[1]
		}
		in, _, err := path[:len(path)-1].Resolve(p.inN)
		if _, set := asMap(in)[other]; err == nil && set {
			return op{Op: "remove", Path: pointer(path, p.builtN), at: path.String(),
				why: fmt.Sprintf("the input sets %s, and %s and %s exclude each other", other, other, last)}, true
		}
	}
	return op{}, false
}

// reason says why the model could not say a field.
func reason(kind string, path fieldpath.Path, how string) string {
	s := path.String()
	switch {
	case strings.HasSuffix(s, ".command") || strings.HasSuffix(s, ".args"):
		return "the app's own container runs its image's entrypoint in kiln's model"
	case strings.Contains(s, "metadata.labels") || strings.Contains(s, "metadata.annotations"):
		return "the app model sets kiln's own labels and annotations only"
	case kind == "Service" && s == "spec.type":
		return "kiln's Service is reached inside the cluster (ClusterIP); the model has no Service type"
	case strings.HasSuffix(s, "Probe") || strings.Contains(s, "Probe."):
		return "the app model's probes are spec.health's: HTTP paths on the port, or one command for both"
	case strings.Contains(s, "securityContext"):
		return "the input's security settings differ from kiln's secure defaults"
	case how == "replace":
		return "kiln derives another value from the app model"
	}
	return "the app model has no field for it"
}

// alignContainer renames the app's container in b to the input's name
// (kiln names it after the app), and returns the operation that does so.
func alignContainer(in *Object, b map[string]any) []op {
	if !slices.Contains(workloadKinds, in.Key.Kind) {
		return nil
	}
	main, _ := mainContainer(in)
	want := strAt(main, "name")
	name := strAt(asMap(b["metadata"]), "name")
	if want == "" || want == name {
		return nil
	}
	cs, _ := fieldpath.Resolve(b, append(podPath(in.Key.Kind), "containers"))
	for i, c := range asList(cs) {
		if cm := asMap(c); strAt(cm, "name") == name {
			cm["name"] = want
			path := "/" + strings.Join(append(podPath(in.Key.Kind), "containers", fmt.Sprint(i), "name"), "/")
			return []op{{Op: "replace", Path: path, Value: want, HasValue: true, at: fmt.Sprintf("%s.containers[name=%s].name", strings.Join(podPath(in.Key.Kind), "."), want),
				why: "kiln names the app's container after the app", naming: true}}
		}
	}
	return nil
}

// alignPorts names kiln's ports as the input names the same port
// numbers (kiln names the app's port after its protocol): the app
// container's ports and the Service's.
func alignPorts(in *Object, b map[string]any) []op {
	var lists [][]string
	switch {
	case slices.Contains(workloadKinds, in.Key.Kind):
		_, i := mainContainer(in)
		if i < 0 {
			return nil
		}
		main, _ := mainContainer(in)
		lists = append(lists, []string{strings.Join(podPath(in.Key.Kind), "."), "containers", strAt(main, "name"), "ports", "containerPort"})
	case in.Key.Kind == "Service":
		lists = append(lists, []string{"", "", "", "spec.ports", "port"})
	default:
		return nil
	}
	var ops []op
	for _, l := range lists {
		path := l[3]
		if l[1] != "" {
			path = fmt.Sprintf("%s.%s[name=%s].%s", l[0], l[1], l[2], l[3])
		}
		p, err := fieldpath.ParsePath(path)
		if err != nil {
			continue
		}
		iv, _, ierr := p.Resolve(in.Value)
		bv, elems, berr := p.Resolve(b)
		if ierr != nil || berr != nil {
			continue
		}
		names := map[string]string{} // number → the input's name
		for _, e := range asList(iv) {
			if n := strAt(asMap(e), "name"); n != "" {
				names[fmt.Sprint(asMap(e)[l[4]])] = n
			}
		}
		for i, e := range asList(bv) {
			em := asMap(e)
			want, ok := names[fmt.Sprint(em[l[4]])]
			if !ok || want == em["name"] {
				continue
			}
			em["name"] = want
			ops = append(ops, op{Op: "replace", Path: toPointer(append(elems, fmt.Sprint(i), "name")), Value: want, HasValue: true,
				at: fmt.Sprintf("%s[name=%s].name", path, want), why: "kiln names the app's port after its protocol", naming: true})
		}
	}
	return ops
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// otherProbes are the probes of the input that check the app another
// way (exec, gRPC, TCP, HTTP) than kiln's probe there: replaced whole, as
// a probe has one handler.
func otherProbes(in *Object, inN, builtN map[string]any) []fieldpath.Path {
	if !slices.Contains(workloadKinds, in.Key.Kind) {
		return nil
	}
	var out []fieldpath.Path
	base := strings.Join(podPath(in.Key.Kind), ".")
	for _, c := range listAt(podSpec(in), "containers") {
		name := strAt(asMap(c), "name")
		for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			p, err := fieldpath.ParsePath(fmt.Sprintf("%s.containers[name=%s].%s", base, name, probe))
			if err != nil {
				continue
			}
			iv, _, ierr := p.Resolve(inN)
			bv, _, berr := p.Resolve(builtN)
			if ierr == nil && berr == nil && handler(asMap(iv)) != handler(asMap(bv)) {
				out = append(out, p)
			}
		}
	}
	return out
}

// handler names how a probe checks.
func handler(probe map[string]any) string {
	for _, h := range []string{"exec", "httpGet", "tcpSocket", "grpc"} {
		if _, ok := probe[h]; ok {
			return h
		}
	}
	return ""
}

// selectorPaths are the fields of a kind that select pods, compared
// whole: a label more or less changes what they select.
func selectorPaths(kind string) []fieldpath.Path {
	var s []string
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "PodDisruptionBudget":
		s = []string{"spec.selector"}
	case "Service":
		s = []string{"spec.selector"}
	case "NetworkPolicy":
		s = []string{"spec.podSelector"}
	}
	var out []fieldpath.Path
	for _, p := range s {
		path, _ := fieldpath.ParsePath(p)
		out = append(out, path)
	}
	return out
}

func under(p fieldpath.Path, parents []fieldpath.Path) bool {
	for _, q := range parents {
		if len(p) >= len(q) && p[:len(q)].String() == q.String() {
			return true
		}
	}
	return false
}

func parentPath(p fieldpath.Path) string { return p[:len(p)-1].String() }

// pointer is the JSON pointer of path in b, which has it.
func pointer(path fieldpath.Path, b map[string]any) string {
	_, elems, err := path.Resolve(b)
	if err != nil {
		elems = elemsIn(path, b)
	}
	return toPointer(elems)
}

// addPointer is the JSON pointer at which to add the field at path,
// which b lacks: its parent's, then the field's name, or - for a list.
func addPointer(path fieldpath.Path, b map[string]any) string {
	parent := path[:len(path)-1]
	_, elems, err := parent.Resolve(b)
	if err != nil {
		elems = elemsIn(parent, b)
	}
	if last := path[len(path)-1]; last.Field != "" {
		return toPointer(append(elems, last.Field))
	}
	return toPointer(append(elems, "-"))
}

// elemsIn resolves path in v as far as it goes, and spells the rest.
func elemsIn(path fieldpath.Path, v any) []string {
	for n := len(path); n >= 0; n-- {
		if _, elems, err := path[:n].Resolve(v); err == nil {
			for _, s := range path[n:] {
				switch {
				case s.Field != "":
					elems = append(elems, s.Field)
				case s.Key != "":
					elems = append(elems, "-")
				default:
					elems = append(elems, fmt.Sprint(s.Index))
				}
			}
			return elems
		}
	}
	return wildcard(path)
}

func toPointer(elems []string) string {
	r := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, e := range elems {
		b.WriteString("/")
		b.WriteString(r.Replace(e))
	}
	return b.String()
}

// sameTree compares two values through objdiff.
func sameTree(a, b any) bool {
	wrap := func(v any) []map[string]any {
		return []map[string]any{{"apiVersion": "v1", "kind": "X", "metadata": map[string]any{"name": "x"}, "v": v}}
	}
	return len(objdiff.Objects(wrap(a), wrap(b))) == 0
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
