package importer

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/objdiff"
	"github.com/kilnhq/kiln/compiler/source"
)

// A BuildFunc builds one definition (its text, to be written at name) the
// way kiln build does and returns the objects of its one environment, or
// the findings that kept it from building (positioned in the definition).
type BuildFunc func(name string, def []byte) ([]map[string]any, diag.List)

// Options say how to import.
type Options struct {
	// Owner is the owner of every app (--owner), instead of one inferred
	// from labels or annotations.
	Owner string
	// Build builds a definition, for the round trip. It is called for
	// several apps at once.
	Build BuildFunc
	// Path names an app's definition, for messages: DIR/<app>/kiln.yaml.
	Path func(app string) string
}

// An App is one imported app.
type App struct {
	Name       string
	Definition []byte
	// Objects are the input's objects the app carries; Patched how many
	// of them needed a patch.
	Objects []*Object
	Patched int
	// ValuePatched counts the objects with a patch to more than names,
	// labels and selectors (which kiln writes its own way).
	ValuePatched int
	// Fields counts the values (leaves) of the input's objects, defaults
	// left out; PatchedFields those of them spec.patches carries.
	Fields, PatchedFields int
	// Lost are the differences the round trip found in the end: the
	// input's fields lost or changed. Empty is a proven import.
	Lost []objdiff.Change
	// Additions are what kiln adds to the input's objects: its labels,
	// annotations, secure defaults and objects of its own.
	Additions []objdiff.Change
}

// A Result is one import.
type Result struct {
	Apps []*App
	// Dropped are the input's objects that no app carries.
	Dropped []*Object
	// Objects counts the input's objects.
	Objects int
	// Unresolved counts the values of the input that no object carries
	// and kiln cannot express: a Score variable that refers to what a
	// Score implementation provisions.
	Unresolved int
}

// Proven reports whether every object of the input is carried and the
// round trip lost or changed nothing.
func (r *Result) Proven() bool {
	if len(r.Dropped) > 0 || r.Unresolved > 0 {
		return false
	}
	for _, a := range r.Apps {
		if len(a.Lost) > 0 {
			return false
		}
	}
	return true
}

// Files reads the objects of each file (and Score workloads) and imports
// them.
func Files(files []*source.File, opts Options) (*Result, diag.List) {
	var objs []*Object
	var ds diag.List
	for _, f := range files {
		o, score, more := Read(f)
		ds = append(ds, more...)
		objs = append(objs, o...)
		if score != nil {
			objs = append(objs, score.Objects...)
		}
	}
	if ds.HasErrors() {
		return nil, ds
	}
	r, more := Import(objs, opts)
	if r != nil {
		for _, d := range ds {
			if d.Code == "import/score-placeholder" {
				r.Unresolved++
			}
		}
	}
	return r, append(ds, more...)
}

// Import writes a definition for each app of objs and proves it.
func Import(objs []*Object, opts Options) (*Result, diag.List) {
	ds := checkDuplicates(objs)
	if ds.HasErrors() {
		return nil, ds
	}
	groups, more := groupObjects(objs)
	ds = append(ds, more...)
	r := &Result{Objects: len(objs)}
	carried := map[*Object]bool{}
	names := map[string]*Object{}
	var todo []*group
	for _, g := range groups {
		w := g.workload
		if first, ok := names[w.Key.Name]; ok {
			line, col := first.Node.Pos.LineCol()
			ds = append(ds, at(w.Locate("metadata.name"), diag.Error, "import/duplicate-app",
				"%s %s would be a second app named %s (the first is %s at %s:%d:%d); kiln names an app's objects after it: rename one", w.Key.Kind, w.Key.Name, w.Key.Name, first.Key.Kind, first.File.Name, line, col))
			continue
		}
		names[w.Key.Name] = w
		if !dnsLabel.MatchString(w.Key.Name) {
			ds = append(ds, at(w.Locate("metadata.name"), diag.Error, "import/name", "%s %s: an app's name is a DNS-1123 label (lower-case letters, digits and '-', at most 63), which names every object kiln emits", w.Key.Kind, w.Key.Name))
			continue
		}
		todo = append(todo, g)
	}
	// Apps are built at once, each into its own slot, so that the
	// result is in input order whatever the scheduling.
	apps := make([]*App, len(todo))
	found := make([]diag.List, len(todo))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for i, g := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			apps[i], found[i] = importGroup(g, opts)
		}()
	}
	wg.Wait()
	for i, g := range todo {
		ds = append(ds, found[i]...)
		for _, o := range g.referenced {
			if o.Key.Kind == "ConfigMap" {
				ds = append(ds, at(o.Node.Pos, diag.Warning, "import/configmap",
					"ConfigMap %s of app %s is not imported: kiln writes configuration files through spec.files (in a ConfigMap named with a hash of its content); move its data there", o.Key.Name, g.workload.Key.Name))
				r.Dropped = append(r.Dropped, o)
			}
		}
		if a := apps[i]; a != nil {
			r.Apps = append(r.Apps, a)
			for _, o := range a.Objects {
				carried[o] = true
			}
		}
	}
	for _, o := range objs {
		if !carried[o] && o.Key.Kind != "Secret" && o.Key.Kind != "Namespace" && !slices.Contains(r.Dropped, o) {
			r.Dropped = append(r.Dropped, o)
		}
	}
	return r, ds
}

// importGroup models, builds, patches and proves one app.
func importGroup(g *group, opts Options) (*App, diag.List) {
	m := &modeler{g: g, owner: opts.Owner}
	doc := m.definition()
	ds := append(m.ds, literalSecrets(g.workload)...)
	name := opts.Path(g.workload.Key.Name)
	a := &App{Name: g.workload.Key.Name, Objects: append([]*Object{g.workload}, g.attached...)}
	def, err := encode(doc)
	if err != nil {
		return nil, append(ds, at(g.workload.Node.Pos, diag.Error, "internal", "%v", err))
	}
	built, bds := opts.Build(name, def)
	if bds.HasErrors() {
		return nil, append(ds, notBuilt(g.workload, m.sources(), name, bds))
	}
	al := alias{files: g.files, volume: g.volume}
	c := compare(a.Objects, built, al)
	if n := addPatches(doc, c); n > 0 {
		if def, err = encode(doc); err != nil {
			return nil, append(ds, at(g.workload.Node.Pos, diag.Error, "internal", "%v", err))
		}
		if built, bds = opts.Build(name, def); bds.HasErrors() {
			return nil, append(ds, notBuilt(g.workload, m.sources(), name, bds))
		}
	}
	ds = append(ds, a.count(c)...)
	final := compare(a.Objects, built, al)
	a.Definition, a.Lost, a.Additions = def, final.lost, final.additions
	for _, ch := range final.lost {
		o := objectOf(a.Objects, ch.Key)
		if ch.Op == objdiff.Removed {
			ds = append(ds, at(o.Node.Pos, diag.Warning, "import/lost", "%s %s: kiln emits no such object for app %s, and a patch cannot add one; it is not imported", o.Key.Kind, o.Key.Name, a.Name))
			continue
		}
		for _, f := range ch.Fields {
			why := "kiln's object differs after its patches"
			if f.Path == "metadata.name" {
				why = "kiln names every object of an app after the app, and the references to it follow"
			}
			ds = append(ds, at(o.Locate(f.Path), diag.Warning, "import/lost", "%s %s: %s is %s: %s", o.Key.Kind, o.Key.Name, f.Path, describeLoss(f), why))
		}
	}
	return a, ds
}

func describeLoss(f objdiff.Field) string {
	if f.New == nil {
		return "lost"
	}
	return fmt.Sprintf("%v in the input, %v in kiln's object", brief(f.Old), brief(f.New))
}

// brief renders a value on one line for a message.
func brief(v any) string {
	b, _ := yaml.Marshal(v)
	s := strings.TrimSpace(string(b))
	if strings.Contains(s, "\n") {
		var m any
		_ = yaml.Unmarshal(b, &m)
		s = fmt.Sprintf("%v", m)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func objectOf(objs []*Object, k objdiff.Key) *Object {
	for _, o := range objs {
		if o.Key == k {
			return o
		}
	}
	return objs[0]
}

// notBuilt says that the definition of an app does not build, with the
// first error kiln found in it, at the workload's field it was read from
// (sources), else at the workload's name.
func notBuilt(w *Object, sources map[string]string, name string, ds diag.List) diag.Diagnostic {
	for _, d := range ds {
		if d.Severity == diag.Error {
			line, col := d.Pos.LineCol()
			file := name
			if d.Pos.File != nil && d.Pos.File.Name != "" && d.Pos.File.Name != "-" {
				file = d.Pos.File.Name // the repository's configuration, say
			}
			pos := w.Locate("metadata.name")
			for p := d.Path; p != ""; p = fieldpath.Parent(p) {
				if from, ok := sources[p]; ok {
					pos = w.Locate(from)
					break
				}
			}
			return at(pos, diag.Error, "import/not-built",
				"the definition imported from %s %s does not build: %s:%d:%d: %s", w.Key.Kind, w.Key.Name, file, line, col, d.Message)
		}
	}
	return at(w.Node.Pos, diag.Error, "import/not-built", "the definition imported from %s %s does not build", w.Key.Kind, w.Key.Name)
}

// addPatches writes the comparison's operations as spec.patches, one
// JSON 6902 patch per object, and returns how many.
func addPatches(doc *yaml.Node, c *comparison) int {
	spec := get(doc, "spec")
	list := newList()
	for _, p := range c.pairs {
		if ops := c.ops[p]; len(ops) > 0 {
			list.Content = append(list.Content, patchEntry(strAt(p.built, "kind"), strAt(p.built, "metadata", "name"), p.in, ops))
		}
	}
	for _, f := range c.follow {
		list.Content = append(list.Content, patchEntry(f.kind, f.name, f.in, f.ops))
	}
	if len(list.Content) > 0 {
		set(spec, "patches", list, "what the app model cannot say, carried so that nothing of the input is lost")
	}
	return len(list.Content)
}

// patchEntry is one entry of spec.patches: the operations on the built
// object kind/name, each after a comment that names the field of the
// input's object in it carries.
func patchEntry(kind, name string, in *Object, ops []op) *yaml.Node {
	var text strings.Builder
	for _, o := range ops {
		line, _ := in.Locate(o.at).LineCol()
		from := fmt.Sprintf("%s:%d", in.File.Name, line)
		if in.Source != "" {
			from += " (" + in.Source + ")"
		}
		fmt.Fprintf(&text, "# %s, from %s: %s\n", o.at, from, o.why)
		seq := newList()
		seq.Content = append(seq.Content, orderedOp(o))
		b, err := encode(seq)
		if err != nil {
			continue
		}
		text.Write(b)
	}
	t := flow(newMap())
	set(t, "kind", scalar(kind), "")
	set(t, "name", scalar(name), "")
	e := newMap()
	set(e, "target", t, "")
	body := scalar(strings.TrimRight(text.String(), "\n"))
	body.Style = yaml.LiteralStyle
	set(e, "patch", body, "")
	return e
}

// orderedOp is an operation as YAML with op, path and value in that order.
func orderedOp(o op) *yaml.Node {
	n := newMap()
	set(n, "op", scalar(o.Op), "")
	set(n, "path", scalar(o.Path), "")
	if o.HasValue {
		var v yaml.Node
		_ = v.Encode(o.Value)
		set(n, "value", &v, "")
	}
	return n
}

// count counts what the comparison's patches carry, and reports each
// operation at the field of the input it is about.
func (a *App) count(c *comparison) diag.List {
	var ds diag.List
	for _, p := range c.pairs {
		ops := c.ops[p]
		if len(ops) > 0 {
			a.Patched++
		}
		if slices.ContainsFunc(ops, func(o op) bool { return !o.naming }) {
			a.ValuePatched++
		}
		a.Fields += leaves(p.inN)
		for _, o := range ops {
			if o.Op != "remove" {
				a.PatchedFields += leaves(o.Value)
			}
			sev := diag.Info
			if o.Op == "replace" && !o.naming || weakens(o.at) {
				sev = diag.Warning
			}
			if o.Op == "remove" {
				ds = append(ds, at(p.in.Locate(o.at), sev, "import/patched", "%s %s: a patch in spec.patches takes out kiln's %s: %s", p.in.Key.Kind, p.in.Key.Name, o.Path, o.why))
				continue
			}
			ds = append(ds, at(p.in.Locate(o.at), sev, "import/patched", "%s %s: %s is carried in spec.patches: %s", p.in.Key.Kind, p.in.Key.Name, o.at, o.why))
		}
	}
	return ds
}

// leaves counts the scalar values in v.
func leaves(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for _, e := range x {
			n += leaves(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += leaves(e)
		}
		return n
	case nil:
		return 0
	}
	return 1
}

// weakens reports whether a patched field can undo kiln's secure
// defaults or reach outside the pod: worth a reviewer's look.
func weakens(path string) bool {
	for _, s := range []string{"securityContext", "hostNetwork", "hostPID", "hostIPC", "hostPath", "automountServiceAccountToken", "capabilities"} {
		if strings.Contains(path, s) {
			return true
		}
	}
	return false
}
