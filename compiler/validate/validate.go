// Package validate is the validate stage: it checks every emitted object
// against the Kubernetes API schema of the chosen version, strictly, as
// `kubectl --validate=strict` would: unknown fields, wrong types and missing
// required fields are errors. The schemas are embedded (schemas/kube), so
// validation never touches the network.
package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kilnhq/kiln/compiler/apiversions"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/schemas/kube"
)

// A Violation is one way an object breaks the API schema.
type Violation struct {
	Path    string // field path in the object, e.g. "spec.replicass"
	Message string
	Code    string // kube/schema for the OpenAPI schema, kube/rule for the server's other checks
	// Missing is true when the value at Path lacks a required field:
	// nothing written there is at fault.
	Missing bool
	// Warning is true for what the server accepts with a warning.
	Warning bool
}

// String is v as tests and logs show it: {path message code}.
func (v Violation) String() string {
	s := fmt.Sprintf("{%s %s %s}", v.Path, v.Message, v.Code)
	if v.Warning {
		s = "warning " + s
	}
	return s
}

// Verdict is what the API server of version does with an object that
// has v: "would be rejected by Kubernetes 1.37", or warns of it.
func (v Violation) Verdict(version string) string {
	if v.Warning {
		return "gets a warning from Kubernetes " + version
	}
	return "would be rejected by Kubernetes " + version
}

// A Validator validates objects against one Kubernetes version. It is safe
// for concurrent use; each kind's schema is compiled once, on first use.
type Validator struct {
	version  string
	url      string
	doc      *kube.Doc // decoded as kinds are met
	kinds    map[string]string
	compiler *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
	shapes  shapes // for conforms (shape.go), compiled as kinds are met

	memo memo // Validate's answers by content (memo.go)
}

var validators sync.Map // version → func() (*Validator, error)

// For returns the Validator of a Kubernetes minor version ("1.37"); "" is
// the newest kiln ships.
func For(version string) (*Validator, error) {
	if version == "" {
		version = kube.Default()
	}
	f, _ := validators.LoadOrStore(version, sync.OnceValues(func() (*Validator, error) { return load(version) }))
	return f.(func() (*Validator, error))()
}

// New returns a Validator of its own for a Kubernetes minor version, as For
// does but shared with nobody: its schemas are compiled again and it
// remembers only its own answers. A process wants For; New is for a caller
// that counts what one Validator does (Stats).
func New(version string) (*Validator, error) {
	if version == "" {
		version = kube.Default()
	}
	return load(version)
}

func load(version string) (*Validator, error) {
	// Open decodes only the kinds; shapes and jsonschema are given each
	// definition and kind's closure as they are needed, never the whole
	// document, most of which one run never uses.
	doc, err := kube.Open(version)
	if err != nil {
		return nil, err
	}
	return newValidator(version, "kube-"+version+".json", doc), nil
}

func newValidator(version, url string, doc *kube.Doc) *Validator {
	v := &Validator{version: version, url: url, doc: doc, kinds: doc.Kinds, schemas: map[string]*jsonschema.Schema{}}
	v.shapes = shapes{defs: doc.Def, done: map[string]*shape{}}
	v.compiler = jsonschema.NewCompiler()
	v.compiler.Draft = jsonschema.Draft2020
	return v
}

// shape returns the shape of the definition called name.
func (v *Validator) shape(name string) *shape {
	v.mu.Lock()
	defer v.mu.Unlock()
	// def compiles every definition name reaches before it returns, so
	// what it returns is never changed again and is read without the lock.
	return v.shapes.def(name)
}

// RemovedCode is the code of a violation that says an object's
// apiVersion is one v's Kubernetes no longer serves. The removed-api
// guardrail says the same, waivably; a run with guardrails leaves these
// violations to it.
const RemovedCode = "kube/removed-api"

// Removed says, when v's Kubernetes no longer serves apiVersion's kind,
// which release removed it and what to write instead (apiversions).
func (v *Validator) Removed(apiVersion, kind string) (string, bool) {
	if _, served := v.kinds[apiVersion+"/"+kind]; served {
		return "", false
	}
	a, ok := apiversions.Lookup(apiVersion, kind)
	if !ok || !a.RemovedIn(v.version) {
		return "", false
	}
	return a.Message(v.version), true
}

// Version is the Kubernetes minor version v validates against.
func (v *Validator) Version() string { return v.version }

func (v *Validator) schemaFor(apiVersion, kind string) (*jsonschema.Schema, error) {
	name, ok := v.kinds[apiVersion+"/"+kind]
	if !ok {
		return nil, fmt.Errorf("Kubernetes %s has no kind %s in %s", v.version, kind, apiVersion)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.schemas[name]; ok {
		return s, nil
	}
	// Compiling the whole document costs a quarter second (jsonschema
	// checks all of it against the meta-schema); a document holding only
	// the definitions this kind reaches costs a fraction of that.
	url := v.url + "/" + name
	doc, err := json.Marshal(map[string]any{"$schema": v.doc.Schema, "$defs": v.closure(name)})
	if err != nil {
		return nil, err
	}
	if err := v.compiler.AddResource(url, bytes.NewReader(doc)); err != nil {
		return nil, err
	}
	s, err := v.compiler.Compile(url + "#/$defs/" + name)
	if err != nil {
		return nil, err
	}
	v.schemas[name] = s
	return s, nil
}

// closure returns the definitions that name refers to, directly or not.
func (v *Validator) closure(name string) map[string]any {
	return kube.ClosureOf(func(name string) any { d, _ := v.doc.Def(name); return d }, name)
}

// Validate returns every way obj breaks the schema of its kind, and, when it
// fits the schema, the API server's own rules (server.go), sorted by path.
//
// The answer depends on nothing but obj's apiVersion, kind and content, so
// v checks an object once and gives the same answer for every object with
// the same content: the Service, ServiceAccount or NetworkPolicy that
// several environments of an app, or several builds in one process, share.
// Each call returns a slice of its own, for the caller to keep or change.
func (v *Validator) Validate(obj compile.Object) []Violation {
	k, ok := v.keyOf(obj)
	if ok {
		if vs, hit := v.memo.get(k); hit {
			v.memo.reused.Add(1)
			return slices.Clone(vs)
		}
	}
	vs := v.validate(obj)
	v.memo.validated.Add(1)
	if ok {
		v.memo.put(k, slices.Clone(vs))
	}
	return vs
}

func (v *Validator) validate(obj compile.Object) []Violation {
	if name, ok := v.kinds[obj.APIVersion+"/"+obj.Kind]; ok && v.shape(name).conforms(obj.Content) {
		return rules(obj) // what jsonschema would answer, without compiling or converting
	}
	if msg, ok := v.Removed(obj.APIVersion, obj.Kind); ok {
		return []Violation{{Path: "apiVersion", Message: msg, Code: RemovedCode}}
	}
	s, err := v.schemaFor(obj.APIVersion, obj.Kind)
	if err != nil {
		return []Violation{{Path: "apiVersion", Message: err.Error(), Code: "kube/schema"}}
	}
	// Validate sees the object as JSON would: numbers as json.Number.
	inst, err := asJSON(obj.Content)
	if err != nil {
		return []Violation{{Message: err.Error(), Code: "kube/schema"}}
	}
	v.dropNullFields(v.def(v.kinds[obj.APIVersion+"/"+obj.Kind]), inst)
	err = s.Validate(inst)
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return rules(obj) // the server's own checks assume a well-formed object
	}
	var out []Violation
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			walk(c)
		}
		if len(e.Causes) > 0 {
			return
		}
		for _, viol := range v.describe(e, inst) {
			viol.Code = "kube/schema"
			if key := viol.Path + "\x00" + viol.Message; !seen[key] {
				seen[key] = true
				out = append(out, viol)
			}
		}
	}
	walk(ve)
	// An object that only lacks required fields has every field it does
	// have of the right type, which is all the server's own checks assume;
	// the API server, too, reports its rules beside a missing field.
	if !slices.ContainsFunc(out, func(viol Violation) bool { return !viol.Missing }) {
		out = append(out, rules(obj)...)
	}
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// dropNullFields removes from x, a copy of an object as asJSON makes it,
// each field that is null where node (x's schema) declares the field. The
// API server decodes an object into Go structs, in which an explicit null
// leaves a field as if it were not written, so it accepts what a schema
// without null would refuse, such as the `minAvailable: null` with which
// Helm values switch a PodDisruptionBudget's form. A required field that
// is null is then missing, as the server says too. Nulls among a map's
// values or a list's items are left to the schema.
func (v *Validator) dropNullFields(node map[string]any, x any) {
	switch x := x.(type) {
	case map[string]any:
		props, _ := node["properties"].(map[string]any)
		for k, e := range x {
			p, declared := props[k].(map[string]any)
			switch {
			case declared && e == nil:
				delete(x, k)
			case declared:
				v.dropNullFields(v.deref(p), e)
			default:
				if ap, ok := node["additionalProperties"].(map[string]any); ok {
					v.dropNullFields(v.deref(ap), e)
				}
			}
		}
	case []any:
		if items, ok := node["items"].(map[string]any); ok {
			for _, e := range x {
				v.dropNullFields(v.deref(items), e)
			}
		}
	}
}

// def returns the schema definition called name, nil for none.
func (v *Validator) def(name string) map[string]any {
	d, _ := v.doc.Def(name)
	m, _ := d.(map[string]any)
	return m
}

// deref returns the definition node refers to, or node itself.
func (v *Validator) deref(node map[string]any) map[string]any {
	if ref, ok := node["$ref"].(string); ok {
		return v.def(strings.TrimPrefix(ref, "#/$defs/"))
	}
	return node
}

// rules applies the API server's checks that no schema states.
func rules(obj compile.Object) []Violation {
	var out []Violation
	for _, r := range serverRules {
		for _, v := range r(obj) {
			v.Code = "kube/rule"
			out = append(out, v)
		}
	}
	return out
}

func (v *Validator) describe(e *jsonschema.ValidationError, inst any) []Violation {
	path := fieldpath.FromPointer(e.InstanceLocation)
	_, frag, _ := strings.Cut(e.AbsoluteKeywordLocation, "#")
	i := strings.LastIndex(frag, "/")
	keyword := frag[i+1:]
	node, _ := v.resolveSchema(fieldpath.FromPointer(frag[:max(i, 0)])).(map[string]any)
	at := fieldpath.String(path)
	switch keyword {
	case "additionalProperties":
		obj, _ := resolveAny(inst, path).(map[string]any)
		props, _ := node["properties"].(map[string]any)
		var out []Violation
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if _, known := props[k]; !known {
				out = append(out, Violation{Path: fieldpath.String(append(path, k)), Message: fmt.Sprintf("unknown field %q", k)})
			}
		}
		return out
	case "required":
		obj, _ := resolveAny(inst, path).(map[string]any)
		var out []Violation
		for _, r := range node["required"].([]any) {
			if _, ok := obj[r.(string)]; !ok {
				out = append(out, Violation{Path: at, Message: fmt.Sprintf("missing required field %q", r), Missing: true})
			}
		}
		return out
	case "type":
		return []Violation{{Path: at, Message: fmt.Sprintf("must be of type %v", typeName(node["type"]))}}
	case "enum":
		return []Violation{{Path: at, Message: fmt.Sprintf("must be one of %v", node["enum"])}}
	}
	return []Violation{{Path: at, Message: e.Message}}
}

// resolveSchema returns the schema node at elems, a path into the
// document jsonschema was given: ["$defs", name, ...].
func (v *Validator) resolveSchema(elems []string) any {
	if len(elems) < 2 || elems[0] != "$defs" {
		return nil
	}
	d, _ := v.doc.Def(elems[1])
	return resolveAny(d, elems[2:])
}

func typeName(t any) string {
	if l, ok := t.([]any); ok {
		var s []string
		for _, x := range l {
			s = append(s, fmt.Sprint(x))
		}
		return strings.Join(s, " or ")
	}
	return fmt.Sprint(t)
}

func resolveAny(v any, elems []string) any {
	out, _ := fieldpath.Resolve(v, elems)
	return out
}

// WithCRDs returns a Validator that also validates the custom resources
// the given CustomResourceDefinitions define, strictly, as the API server
// would with the CRDs installed. Each CRD is YAML or JSON; name is how
// errors call it.
func (v *Validator) WithCRDs(crds map[string][]byte) (*Validator, error) {
	defs := map[string]any{}
	kinds := map[string]string{}
	names := slices.Sorted(maps.Keys(crds))
	for _, name := range names {
		if err := kube.AddCRD(crds[name], defs, kinds); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	return newValidator(v.version, v.url+"+crds", v.doc.With(defs, kinds)), nil
}

// Knows reports whether v has a schema for kind in apiVersion.
func (v *Validator) Knows(apiVersion, kind string) bool {
	_, ok := v.kinds[apiVersion+"/"+kind]
	return ok
}

// asJSON returns v as encoding/json would decode it with UseNumber. It
// converts the plain values objects are made of directly, which costs a
// fraction of an encode and decode, and falls back to those for anything
// else.
func asJSON(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string, json.Number:
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := asJSON(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := asJSON(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(v), 10)), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("unsupported number %v", v)
		}
		return json.Number(formatFloat(v)), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	return out, dec.Decode(&out)
}

// formatFloat writes v as encoding/json does: plain, or with an exponent
// for very large and very small numbers.
func formatFloat(v float64) string {
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(v, format, -1, 64)
	if n := len(s); format == 'e' && n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
		s = s[:n-2] + s[n-1:] // e-09 → e-9
	}
	return s
}
