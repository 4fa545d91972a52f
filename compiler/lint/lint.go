// Package lint checks plain Kubernetes YAML, the way kiln checks what it
// builds: each document strictly against the schema of its kind (the
// embedded Kubernetes schemas, or the CRDs the user points at), then the
// guardrails over all the file's documents together. Findings are at the
// line and column of the document they are about, so a team can lint
// helm template's output or the manifests it has before moving to kiln.
package lint

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/compiler/waiver"
	"github.com/kilnhq/kiln/compiler/workload"
)

// MaxBytes bounds one manifest file: rendered charts are larger than app
// definitions.
const MaxBytes = 16 << 20

// Options control File.
type Options struct {
	Validator   *validate.Validator
	Policy      *guard.Bundle // nil: schema validation only
	Waivers     *waiver.Set   // the repository's
	Environment string        // what the guardrails are told the documents are for
	Production  bool
	Workloads   []workload.Kind // the kinds that run pods; nil for kiln's own
	// CustomResources is what to do with a custom resource no CRD
	// describes: "error" (also ""), "warning" (reported, then guarded as
	// written) or "skip" (guarded as written, not reported).
	CustomResources string
	// Inventory is every object the run judges together (see
	// guard.Inventory); nil judges each file's documents alone.
	Inventory *guard.Inventory
}

// Result is what linting one file found beside its diagnostics.
type Result struct {
	// Documents counts the documents the guardrails evaluated: those the
	// schema accepted, when there are guardrails.
	Documents int
	// Partial counts the documents of Documents the guardrails judged
	// without the fields the schema rejects.
	Partial int
	// Unguarded counts the documents the guardrails did not judge: of a
	// kind no schema describes and that runs no pods, or on which a rule
	// failed.
	Unguarded int
	Waived    diag.List // findings waivers exempted
}

// unclean reports whether the guardrails judge d other than the schema
// accepted it: of a kind no schema describes, or without rejected fields.
func unclean(d document) bool { return !d.checked || len(d.faulty) > 0 }

func (o Options) workloads() []workload.Kind {
	if o.Workloads == nil {
		return workload.Builtin()
	}
	return o.Workloads
}

// A document is one object of the file with its place in it.
type document struct {
	// at is where its values are written, for findings. A run holds
	// every file's documents until the guardrails have judged them all
	// (Options.Inventory), and spans take a fraction of the memory of
	// the parsed tree, whose values obj has.
	at      *load.Spans
	obj     compile.Object
	faulty  []string // paths of the fields the schema rejects
	checked bool     // whether a schema describes its kind
}

// File lints the documents of f, judged with the objects of f alone.
func File(f *source.File, opts Options) (Result, diag.List) {
	r := Read(f, opts)
	return r.Guard(opts)
}

// A Source is a file's documents, parsed once: a directory walk asks
// whether they are Kubernetes objects (LooksLikeManifest) and then
// validates them (Read), without parsing the file again.
type Source struct {
	file  *source.File
	docs  []document
	diags diag.List
}

// Parse parses f's documents, expanding lists into their items.
func Parse(f *source.File) *Source {
	docs, ds := parse(f)
	return &Source{file: f, docs: docs, diags: ds}
}

// A Parsed file is a file whose documents were parsed and validated, ready
// to be judged by the guardrails, with the inventory of a whole run.
type Parsed struct {
	file    *source.File
	guarded []document // the documents the guardrails judge, as they judge them
	diags   diag.List
	bad     bool // the file could not be read: nothing to judge
	// partial and unguarded are Result's counts, known once read.
	partial, unguarded int
}

// Read parses f and validates each document strictly against the schema
// of its kind (opts.Validator, opts.CustomResources). An empty file, a
// document that is not a Kubernetes object or YAML that does not parse is
// an error.
func Read(f *source.File, opts Options) *Parsed {
	return Parse(f).Read(opts)
}

// Read validates the documents of s, as Read does.
func (s *Source) Read(opts Options) *Parsed {
	f, docs, ds := s.file, s.docs, slices.Clone(s.diags)
	if ds.HasErrors() {
		return &Parsed{file: f, diags: ds, bad: true}
	}
	r := &Parsed{file: f}
	// Every document the schema knows is given to the guardrails, as the
	// API server would read it: without its null fields and, when the
	// schema rejects some of its fields, without those, so that a typo in
	// one field does not hide a privileged container in another. A kind no
	// schema (or --crd) describes is judged as written when it is declared
	// to run pods (Options.Workloads) or when the configuration lets custom
	// resources without their CRD pass (customResources: warning or skip);
	// any other is not guarded.
	for _, d := range docs {
		more, faulty := validateDoc(d, opts.Validator, opts.CustomResources)
		ds = append(ds, more...)
		d.checked = opts.Validator.Knows(d.obj.APIVersion, d.obj.Kind)
		_, runsPods := workload.Find(opts.workloads(), d.obj.APIVersion, d.obj.Kind)
		if !d.checked && !runsPods && !removedAPI(more) && slices.ContainsFunc(more, isError) {
			r.unguarded++
			continue
		}
		if len(faulty) > 0 {
			r.partial++
		}
		d.faulty = faulty
		d.obj.Content = guardable(d.obj.Content, faulty)
		r.guarded = append(r.guarded, d)
	}
	r.diags = ds
	return r
}

func isError(d diag.Diagnostic) bool { return d.Severity == diag.Error }

// removedAPI reports whether ds say the document is of an API version
// Kubernetes removed: its shape is known, only its version is gone, so the
// guardrails judge it as written (what it would do once moved to the
// replacement version).
func removedAPI(ds diag.List) bool {
	return slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Code == validate.RemovedCode })
}

// Objects are the documents of the file the guardrails judge, for a run's
// inventory.
func (r *Parsed) Objects() []map[string]any {
	out := make([]map[string]any, len(r.guarded))
	for i, d := range r.guarded {
		out[i] = d.obj.Content
	}
	return out
}

// Guard runs the guardrails over the file's documents, with
// opts.Inventory as what they may refer to, and returns every diagnostic
// of the file.
func (r *Parsed) Guard(opts Options) (Result, diag.List) {
	ds := slices.Clone(r.diags)
	if r.bad {
		return Result{}, ds
	}
	if opts.Policy == nil {
		return Result{}, ds.Sort()
	}
	res := Result{Partial: r.partial, Unguarded: r.unguarded}
	guarded := r.guarded
	if len(guarded) == 0 {
		return res, ds.Sort()
	}
	more, err := guardrails(r.file, guarded, opts, &res)
	if err != nil && slices.ContainsFunc(guarded, unclean) {
		// A document no schema checked, or one without the fields the
		// schema rejects, can have a shape a rule fails on: judge the
		// others, and say which were not.
		var notGuarded diag.List
		guarded, notGuarded = onlyClean(guarded, err, &res)
		ds = append(ds, notGuarded...)
		res.Waived = nil
		more, err = nil, nil
		if len(guarded) > 0 {
			more, err = guardrails(r.file, guarded, opts, &res)
		}
	}
	if err != nil {
		return res, append(ds, policyError(r.file, err))
	}
	res.Documents = len(guarded)
	ds = append(leaveRemovals(ds, more, res.Waived), more...)
	return res, ds.Sort()
}

// leaveRemovals drops from ds the schema's word that a document's
// apiVersion is removed where the removed-api guardrail said it at the
// same place (in found, or waived): the rule says it with the target
// version, waivably. Where the rule did not (disabled, or the document
// not judged), the schema's word stands.
func leaveRemovals(ds, found, waived diag.List) diag.List {
	at := map[int]bool{}
	for _, d := range append(slices.Clone(found), waived...) {
		if d.Code == "removed-api" {
			at[d.Pos.Offset] = true
		}
	}
	return slices.DeleteFunc(ds, func(d diag.Diagnostic) bool { return d.Code == validate.RemovedCode && at[d.Pos.Offset] })
}

// onlyClean returns the documents the schema accepted whole, and a
// warning at each of the others, which a rule failed on (err).
func onlyClean(docs []document, err error, res *Result) ([]document, diag.List) {
	var clean []document
	var ds diag.List
	for _, d := range docs {
		if !unclean(d) {
			clean = append(clean, d)
			continue
		}
		res.Unguarded++
		if len(d.faulty) > 0 {
			res.Partial--
		}
		why := "no schema checked it; pass its CRD with --crd"
		if d.checked {
			why = "the schema rejects part of it"
		}
		ds = append(ds, diag.Diagnostic{Pos: d.at.Pos(), End: d.at.Pos(), Severity: diag.Warning, Code: "lint/not-guarded", Kind: diag.Finding,
			Message: fmt.Sprintf("%s/%s is not guarded: %s, and a rule failed on its shape (%v)", d.obj.Kind, d.obj.Name, why, err)})
	}
	return clean, ds
}

// parse reads f's documents, expanding a v1 List (kubectl get -o yaml)
// and a typed list (PodList, RoleBindingList, …) into their items, each
// at its own lines.
func parse(f *source.File) ([]document, diag.List) {
	var nodes []*load.Node
	var ds diag.List
	if len(bytes.TrimSpace(f.Content)) == 0 {
		return nil, diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "lint/empty", Kind: diag.Input,
			Message: "the file is empty; kiln lint reads Kubernetes objects, each a YAML document with apiVersion and kind"}}
	}
	if load.FormatOf(f.Name) == load.JSON {
		doc, more := load.Load(f, load.Options{Format: load.JSON, MaxBytes: MaxBytes})
		if doc == nil {
			return nil, more
		}
		nodes = []*load.Node{doc.Root}
	} else if nodes, ds = load.Stream(f, load.Options{Format: load.YAML, MaxBytes: MaxBytes}); ds != nil {
		return nil, ds
	}
	var out []document
	for i, n := range nodes {
		obj, ok := object(n)
		if !ok {
			ds = append(ds, diag.Diagnostic{Pos: n.Pos, End: n.Pos, Severity: diag.Error, Code: "lint/not-an-object", Kind: diag.Input,
				Message: fmt.Sprintf("document %d is not a Kubernetes object: it needs apiVersion and kind", i+1)})
			continue
		}
		if isList(obj) {
			if items := n.Field("items"); items != nil {
				for _, it := range items.Value.Items {
					if o, ok := item(obj, it); ok {
						out = append(out, document{at: load.NewSpans(f, it), obj: o})
					}
				}
				continue
			}
		}
		out = append(out, document{at: load.NewSpans(f, n), obj: obj})
	}
	if len(out) == 0 && len(ds) == 0 {
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "lint/empty", Kind: diag.Input,
			Message: "the file holds no Kubernetes objects"})
	}
	return out, ds
}

// isList reports whether obj is a list of objects: kind List, or a kind
// ending in List (PodList, DeploymentList) with items, as the API
// server's list responses are.
func isList(obj compile.Object) bool {
	if obj.Kind == "List" {
		return true
	}
	_, hasItems := obj.Content["items"].([]any)
	return len(obj.Kind) > len("List") && strings.HasSuffix(obj.Kind, "List") && hasItems
}

// item reads an item of list as an object. The API server writes the
// items of a typed list (PodList) without their apiVersion and kind, which
// are the list's.
func item(list compile.Object, n *load.Node) (compile.Object, bool) {
	if o, ok := object(n); ok || list.Kind == "List" || n.Kind != load.Map {
		return o, ok
	}
	v, _ := n.Value().(map[string]any)
	if _, has := v["kind"]; has {
		return compile.Object{}, false
	}
	if _, has := v["apiVersion"]; has {
		return compile.Object{}, false
	}
	v["apiVersion"], v["kind"] = list.APIVersion, strings.TrimSuffix(list.Kind, "List")
	md, _ := v["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return compile.Object{APIVersion: list.APIVersion, Kind: v["kind"].(string), Name: name, Content: v}, true
}

// object reads n as a Kubernetes object, if it is one.
func object(n *load.Node) (compile.Object, bool) {
	if n.Kind != load.Map {
		return compile.Object{}, false
	}
	v, _ := n.Value().(map[string]any)
	api, _ := v["apiVersion"].(string)
	kind, _ := v["kind"].(string)
	if api == "" || kind == "" {
		return compile.Object{}, false
	}
	md, _ := v["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return compile.Object{APIVersion: api, Kind: kind, Name: name, Content: v}, true
}

// LooksLikeManifest reports whether f holds Kubernetes objects, for
// directory walks and hooks that meet YAML of every sort: a document of
// it is an object with apiVersion and kind, or, when it does not parse
// (one broken document is enough), its text declares both at the top
// level. A file that claims objects and does not parse is linted, and
// its syntax error reported, never passed over.
func LooksLikeManifest(f *source.File) bool {
	return Parse(f).LooksLikeManifest()
}

// LooksLikeManifest reports whether the file of s holds Kubernetes
// objects, as LooksLikeManifest does.
func (s *Source) LooksLikeManifest() bool {
	if len(s.docs) > 0 {
		return true
	}
	if !slices.ContainsFunc(s.diags, func(d diag.Diagnostic) bool { return d.Code != "lint/not-an-object" && d.Code != "lint/empty" }) {
		return false // it parses, and holds no object
	}
	return declaresObjects(s.file.LF())
}

var (
	yamlAPIVersion = regexp.MustCompile(`(?m)^apiVersion:[ \t]*\S`)
	yamlKind       = regexp.MustCompile(`(?m)^kind:[ \t]*\S`)
	jsonAPIVersion = regexp.MustCompile(`"apiVersion"\s*:`)
	jsonKind       = regexp.MustCompile(`"kind"\s*:`)
)

// declaresObjects reports whether text that does not parse writes a
// top-level apiVersion and kind, in YAML or in JSON.
func declaresObjects(text []byte) bool {
	return yamlAPIVersion.Match(text) && yamlKind.Match(text) || jsonAPIVersion.Match(text) && jsonKind.Match(text)
}

// locate returns where the field at path of a document is written.
func locate(at *load.Spans, path string) (source.Pos, source.Pos) {
	pos, end, _ := at.Locate(fieldpath.Parse(path))
	return pos, end
}

// validateDoc validates one document and returns its errors and the
// paths of the fields at fault. customResources is Options.CustomResources.
func validateDoc(d document, v *validate.Validator, customResources string) (diag.List, []string) {
	var ds diag.List
	var faulty []string
	key := d.obj.Kind + "/" + d.obj.Name
	if msg, removed := v.Removed(d.obj.APIVersion, d.obj.Kind); removed {
		pos, end := locate(d.at, "apiVersion")
		return diag.List{{Pos: pos, End: end, Severity: diag.Error, Code: validate.RemovedCode, Kind: diag.Finding, Path: "apiVersion",
			Message: fmt.Sprintf("%s: %s", key, msg)}}, nil
	}
	if !v.Knows(d.obj.APIVersion, d.obj.Kind) {
		sev := diag.Error
		if custom(d.obj.APIVersion) {
			switch customResources {
			case "skip":
				return nil, nil
			case "warning":
				sev = diag.Warning
			}
		}
		pos, end := locate(d.at, "kind")
		return diag.List{{Pos: pos, End: end, Severity: sev, Code: "kube/unknown-kind", Kind: diag.Finding, Path: "kind",
			Message: fmt.Sprintf("%s: Kubernetes %s has no kind %s in %s; for a custom resource, pass its CRD with --crd (or list it under crds in .kiln/config.yaml)",
				key, v.Version(), d.obj.Kind, d.obj.APIVersion)}}, nil
	}
	for _, viol := range v.Validate(d.obj) {
		pos, end := locate(d.at, viol.Path)
		sev := diag.Error
		if viol.Warning {
			sev = diag.Warning
		}
		ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Severity: sev, Code: viol.Code, Kind: diag.Finding, Path: viol.Path,
			Message: fmt.Sprintf("%s %s: %s: %s", key, viol.Verdict(v.Version()), viol.Path, viol.Message)})
		if viol.Code == "kube/schema" && !viol.Missing {
			faulty = append(faulty, viol.Path)
		}
	}
	return ds, faulty
}

// custom reports whether apiVersion is of a group Kubernetes does not
// define: a custom resource's (monitoring.coreos.com/v1), as opposed to a
// built-in group (apps, *.k8s.io) where an unknown kind is a mistake.
func custom(apiVersion string) bool {
	group, _, ok := strings.Cut(apiVersion, "/")
	return ok && strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io")
}

// guardrails runs the policies over all documents of the file at once, as
// they are applied together.
func guardrails(f *source.File, docs []document, opts Options, res *Result) (diag.List, error) {
	in := guard.Input{Environment: opts.Environment, Context: guard.Context{
		Environment: opts.Environment, Production: opts.Production, KubernetesVersion: opts.Validator.Version(), Workloads: opts.Workloads},
		Inventory: opts.Inventory}
	for _, d := range docs {
		in.Objects = append(in.Objects, d.obj.Content)
	}
	opts.Waivers.Consider("", f.Name)
	found, err := opts.Policy.Eval(context.Background(), in)
	if err != nil {
		return nil, err
	}
	var ds diag.List
	for _, fd := range found {
		d := diag.Diagnostic{Severity: fd.Severity, Code: fd.Rule.ID, Message: fd.About(), Path: fd.Path,
			Object: fd.ObjectName(), ObjectPath: fd.Path, Kind: diag.Finding, Related: opts.Policy.Related(fd.Rule)}
		if fd.Object >= 0 && under(fd.Path, docs[fd.Object].faulty) {
			continue // the schema's error at that place says more
		}
		if fd.Object >= 0 {
			d.Pos, d.End = locate(docs[fd.Object].at, fd.Path)
		} else {
			d.Pos, d.End = docs[0].at.Pos(), docs[0].at.Pos()
		}
		if fd.Exception != "" {
			d.Waived = guard.ExceptionReason(fd.Exception)
			res.Waived = append(res.Waived, d)
			continue
		}
		if reason, ok := opts.Waivers.Waive("", f.Name, opts.Environment, d); ok {
			d.Waived = reason
			res.Waived = append(res.Waived, d)
			continue
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// under reports whether path is one of paths or inside one of them.
func under(path string, paths []string) bool {
	for _, p := range paths {
		if fieldpath.Within(path, p) {
			return true
		}
	}
	return false
}

// guardable returns a copy of content as the guardrails judge it: without
// null fields, which the API server reads as absent, and without the
// fields at the faulty paths. A faulty list item becomes an empty object
// (most lists of Kubernetes objects hold objects) rather than leaving the
// list, so that the items after it keep their index and their position.
func guardable(content map[string]any, faulty []string) map[string]any {
	if len(faulty) == 0 && !hasNull(content) {
		return content // most documents: no copy
	}
	out, _ := withoutNulls(content).(map[string]any)
	for _, p := range faulty {
		elems := fieldpath.Parse(p)
		if len(elems) == 0 {
			continue
		}
		parent, ok := fieldpath.Resolve(out, elems[:len(elems)-1])
		if !ok {
			continue
		}
		last := elems[len(elems)-1]
		switch c := parent.(type) {
		case map[string]any:
			delete(c, last)
		case []any:
			if i, err := strconv.Atoi(last); err == nil && i >= 0 && i < len(c) {
				c[i] = map[string]any{}
			}
		}
	}
	return out
}

// hasNull reports whether a map in v has a null value.
func hasNull(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if e == nil || hasNull(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	}
	return false
}

// withoutNulls copies v without the null values of its maps.
func withoutNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e != nil {
				out[k] = withoutNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = withoutNulls(e)
		}
		return out
	}
	return v
}

func policyError(f *source.File, err error) diag.Diagnostic {
	if e, ok := err.(*guard.EvalError); ok {
		return e.Diagnostic()
	}
	return diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "policy/error", Kind: diag.Input, Message: err.Error()}
}
