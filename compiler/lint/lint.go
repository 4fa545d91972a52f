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
	"strings"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/compiler/waiver"
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
	Waived    diag.List // findings waivers exempted
}

// A document is one object of the file with its place in it.
type document struct {
	node *load.Node
	obj  compile.Object
}

// File lints the documents of f, judged with the objects of f alone.
func File(f *source.File, opts Options) (Result, diag.List) {
	r := Read(f, opts)
	return r.Guard(opts)
}

// A Parsed file is a file whose documents were parsed and validated, ready
// to be judged by the guardrails, with the inventory of a whole run.
type Parsed struct {
	file  *source.File
	valid []document // the documents the schema accepted
	diags diag.List
	bad   bool // the file could not be read: nothing to judge
}

// Read parses f and validates each document strictly against the schema
// of its kind (opts.Validator, opts.CustomResources). An empty file, a
// document that is not a Kubernetes object or YAML that does not parse is
// an error.
func Read(f *source.File, opts Options) *Parsed {
	docs, ds := parse(f)
	if ds.HasErrors() {
		return &Parsed{file: f, diags: ds, bad: true}
	}
	r := &Parsed{file: f}
	// The guardrails judge the documents the API would accept: rules are
	// written for well-formed objects, and a malformed one, or one of a
	// kind no schema (or --crd) describes, is reported already.
	for _, d := range docs {
		more := validateDoc(f, d, opts.Validator, opts.CustomResources)
		if !slices.ContainsFunc(more, func(d diag.Diagnostic) bool {
			return (d.Code == "kube/schema" || d.Code == "kube/unknown-kind") && d.Severity == diag.Error
		}) {
			r.valid = append(r.valid, d)
		}
		ds = append(ds, more...)
	}
	r.diags = ds
	return r
}

// Objects are the documents of the file the guardrails judge, for a run's
// inventory.
func (r *Parsed) Objects() []map[string]any {
	out := make([]map[string]any, len(r.valid))
	for i, d := range r.valid {
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
	var res Result
	if opts.Policy != nil && len(r.valid) > 0 {
		res.Documents = len(r.valid)
		more, err := guardrails(r.file, r.valid, opts, &res)
		if err != nil {
			return res, append(ds, policyError(r.file, err))
		}
		ds = append(ds, more...)
	}
	return res, ds.Sort()
}

// parse reads f's documents, expanding a v1 List (kubectl get -o yaml)
// into its items.
func parse(f *source.File) ([]document, diag.List) {
	var nodes []*load.Node
	var ds diag.List
	if len(bytes.TrimSpace(f.Content)) == 0 {
		return nil, diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "lint/empty",
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
			ds = append(ds, diag.Diagnostic{Pos: n.Pos, End: n.Pos, Severity: diag.Error, Code: "lint/not-an-object",
				Message: fmt.Sprintf("document %d is not a Kubernetes object: it needs apiVersion and kind", i+1)})
			continue
		}
		if obj.Kind == "List" && obj.APIVersion == "v1" {
			if items := n.Field("items"); items != nil {
				for _, it := range items.Value.Items {
					if o, ok := object(it); ok {
						out = append(out, document{node: it, obj: o})
					}
				}
				continue
			}
		}
		out = append(out, document{node: n, obj: obj})
	}
	if len(out) == 0 && len(ds) == 0 {
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "lint/empty",
			Message: "the file holds no Kubernetes objects"})
	}
	return out, ds
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
	docs, ds := parse(f)
	if len(docs) > 0 {
		return true
	}
	if !slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Code != "lint/not-an-object" && d.Code != "lint/empty" }) {
		return false // it parses, and holds no object
	}
	return declaresObjects(f.LF())
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
func locate(f *source.File, n *load.Node, path string) (source.Pos, source.Pos) {
	d := &load.Doc{File: f, Root: n}
	pos, end, _ := d.Locate(fieldpath.Parse(path))
	return pos, end
}

func validateDoc(f *source.File, d document, v *validate.Validator, customResources string) diag.List {
	var ds diag.List
	key := d.obj.Kind + "/" + d.obj.Name
	if r, removed := validate.Removed(d.obj.APIVersion, d.obj.Kind); removed && !v.Knows(d.obj.APIVersion, d.obj.Kind) {
		pos, end := locate(f, d.node, "apiVersion")
		return diag.List{{Pos: pos, End: end, Severity: diag.Error, Code: "kube/removed-api", Path: "apiVersion",
			Message: fmt.Sprintf("%s: %s", key, r.Message(d.obj.APIVersion, d.obj.Kind))}}
	}
	if !v.Knows(d.obj.APIVersion, d.obj.Kind) {
		sev := diag.Error
		if custom(d.obj.APIVersion) {
			switch customResources {
			case "skip":
				return nil
			case "warning":
				sev = diag.Warning
			}
		}
		pos, end := locate(f, d.node, "kind")
		return diag.List{{Pos: pos, End: end, Severity: sev, Code: "kube/unknown-kind", Path: "kind",
			Message: fmt.Sprintf("%s: Kubernetes %s has no kind %s in %s; for a custom resource, pass its CRD with --crd (or list it under crds in .kiln/config.yaml)",
				key, v.Version(), d.obj.Kind, d.obj.APIVersion)}}
	}
	for _, viol := range v.Validate(d.obj) {
		pos, end := locate(f, d.node, viol.Path)
		ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Severity: diag.Error, Code: viol.Code, Path: viol.Path,
			Message: fmt.Sprintf("%s would be rejected by Kubernetes %s: %s: %s", key, v.Version(), viol.Path, viol.Message)})
	}
	return ds
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
		Environment: opts.Environment, Production: opts.Production, KubernetesVersion: opts.Validator.Version()},
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
			Object: fd.ObjectName(), ObjectPath: fd.Path, Environment: opts.Environment}
		if fd.Object >= 0 {
			d.Pos, d.End = locate(f, docs[fd.Object].node, fd.Path)
		} else {
			d.Pos, d.End = docs[0].node.Pos, docs[0].node.Pos
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

func policyError(f *source.File, err error) diag.Diagnostic {
	if e, ok := err.(*guard.EvalError); ok {
		return e.Diagnostic()
	}
	return diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "policy/error", Message: err.Error()}
}
