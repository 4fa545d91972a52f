// Package check is the schema stage: it checks a loaded definition against
// the app schema, reports every violation at the line and column of the
// offending key or value, and returns the app with its defaults applied.
//
// Checking runs in two passes. The JSON Schema generated from app.cue finds
// every structural error at once (types, unknown fields, required fields,
// ranges, enums, and formats checked with the Kubernetes libraries); CUE
// alone stops at some errors and hides others behind disjunction noise.
// Then the data is unified with the CUE definition, which applies the
// defaults and the rules that relate fields to each other (scaling.max at
// least scaling.min). When the first pass found errors, the second still
// runs, on the data without the values at fault, so that every mistake is
// reported at once and none twice.
package check

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/errors"
	cuejson "cuelang.org/go/encoding/json"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
)

// Check validates doc against s. It returns the app with defaults applied,
// or nil when the list holds errors.
func Check(doc *load.Doc, s *schema.Schema) (*app.App, diag.List) {
	if d, ok := checkShape(doc); !ok {
		return nil, diag.List{d}
	}
	ds, faults := structural(doc, s)
	if ds.HasErrors() {
		return nil, append(ds, crossField(doc, s, faults)...).Sort()
	}
	a, more := unify(doc, s, doc.Root.Value(), nil)
	if a != nil {
		more = append(more, envSLAs(doc, a)...)
		if more.HasErrors() {
			a = nil
		}
	}
	return a, append(ds, more...).Sort()
}

// crossField runs the CUE pass on a document the JSON Schema rejected, for
// the rules only CUE checks. The values at fault are left out, so that a
// value already reported takes no part in a rule, and CUE's findings at or
// below a place already reported (a required field left out with its
// misspelling, say) are dropped.
func crossField(doc *load.Doc, s *schema.Schema, faults [][]string) diag.List {
	data := doc.Root.Value()
	for _, f := range faults {
		if !prune(data, f) {
			return nil // the whole document is at fault
		}
	}
	reported := func(path []string) bool {
		return slices.ContainsFunc(faults, func(f []string) bool {
			return len(f) <= len(path) && slices.Equal(f, path[:len(f)])
		})
	}
	_, ds := unify(doc, s, data, reported)
	return ds
}

// prune removes the value at path from v (plain data, as Node.Value
// returns it) and reports whether v itself remains. A list item at fault
// takes its whole list with it: removing only the item would shift the
// indexes CUE reports the others at.
func prune(v any, path []string) bool {
	if len(path) == 0 {
		return false
	}
	switch c := v.(type) {
	case map[string]any:
		if child, ok := c[path[0]]; ok && !prune(child, path[1:]) {
			delete(c, path[0])
		}
	case []any:
		if i, err := strconv.Atoi(path[0]); err == nil && i >= 0 && i < len(c) {
			return prune(c[i], path[1:])
		}
	}
	return true
}

// envSLAs reports an environment that sets SLA fields of an app without a
// base SLA and leaves out the availability: there, the environment's sla
// is the whole SLA, and it would promise nothing. (A CUE rule on the
// absence of spec.sla would hold in the schema itself, which has none.)
func envSLAs(doc *load.Doc, a *app.App) diag.List {
	if a.Spec.SLA != nil {
		return nil
	}
	var ds diag.List
	for _, env := range slices.Sorted(maps.Keys(a.Spec.Environments)) {
		if o := a.Spec.Environments[env].SLA; o != nil && o.Availability == nil {
			path := []string{"spec", "environments", env, "sla"}
			pos, end, _ := doc.Locate(path)
			ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Severity: diag.Error, Code: "schema/required", Kind: diag.Input, Path: fieldpath.String(path),
				Message: fmt.Sprintf("%s is missing the required field \"availability\": the app declares no spec.sla, so this environment's sla is its whole SLA",
					fieldpath.String(path))})
		}
	}
	return ds
}

// checkShape stops early on input that is not an App at all, such as a
// Kubernetes manifest passed by mistake, where a list of unknown fields
// would bury the one message that matters.
func checkShape(doc *load.Doc) (diag.Diagnostic, bool) {
	root := doc.Root
	if root.Kind != load.Map {
		return diag.Diagnostic{Pos: root.Pos, End: root.End, Severity: diag.Error, Code: "schema/not-an-app", Kind: diag.Input,
			Message: fmt.Sprintf("an app definition is a mapping with apiVersion, kind, metadata and spec, not a %s", root.Kind)}, false
	}
	kind := root.Field("kind")
	if kind == nil || kind.Value.Kind != load.String || kind.Value.Scalar == schema.Kind {
		return diag.Diagnostic{}, true
	}
	what := fmt.Sprint(kind.Value.Scalar)
	if av := root.Field("apiVersion"); av != nil && av.Value.Kind == load.String {
		what += fmt.Sprintf(" (%s)", av.Value.Scalar)
	}
	return diag.Diagnostic{Pos: kind.Value.Pos, End: kind.Value.End, Severity: diag.Error, Code: "schema/not-an-app", Kind: diag.Input, Path: "kind",
		Message: fmt.Sprintf("this is a %s, not a kiln app: kiln reads app definitions with apiVersion: %s and kind: %s",
			what, schema.APIVersion, schema.Kind)}, false
}

// unify applies the CUE definition to data, doc's content as the JSON
// Schema passed it: defaults, and the cross-field rules. It leaves out the
// errors at paths skip reports (nil: none).
func unify(doc *load.Doc, s *schema.Schema, data any, skip func(path []string) bool) (*app.App, diag.List) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, diag.List{internal(doc, err)}
	}
	var (
		a  app.App
		ds diag.List
	)
	s.CUE(func(def cue.Value) {
		expr, err := cuejson.Extract(doc.File.Name, raw)
		if err != nil {
			ds = append(ds, internal(doc, err))
			return
		}
		v := def.Unify(def.Context().BuildExpr(expr))
		if err := v.Validate(cue.Concrete(true)); err != nil {
			ds = cueDiagnostics(doc, err, skip)
			return
		}
		if err := v.Decode(&a); err != nil {
			ds = append(ds, internal(doc, err))
		}
	})
	if ds.HasErrors() {
		return nil, ds
	}
	return &a, ds
}

func cueDiagnostics(doc *load.Doc, err error, skip func(path []string) bool) diag.List {
	var ds diag.List
	for _, e := range errors.Errors(err) {
		path := e.Path()
		if len(path) > 0 && (path[0] == "#App" || path[0] == "#Checked") { // the definition, not a field of the app
			path = path[1:]
		}
		if skip != nil && skip(path) {
			continue
		}
		format, args := e.Msg()
		msg := strings.TrimPrefix(fmt.Sprintf(format, args...), "error in call to error: ")
		d := diag.Diagnostic{Severity: diag.Error, Code: "schema/constraint", Kind: diag.Input, Path: fieldpath.String(path), Message: msg}
		if msg == "field is required but not present" && len(path) > 0 {
			// A field one setting requires (a CronJob's schedule): said as
			// the JSON Schema's required fields are.
			d.Code = "schema/required"
			d.Message = fmt.Sprintf("%s is missing the required field %q", name(path[:len(path)-1]), path[len(path)-1])
		}
		if n := doc.Lookup(path); n != nil {
			d.Pos, d.End = n.Pos, n.End
		} else {
			d.Pos, d.End, _ = doc.Locate(path)
		}
		ds = append(ds, d)
	}
	return ds
}

// internal reports a failure that valid input cannot cause, still with a
// position, so that the user has a place to start and a message to report.
func internal(doc *load.Doc, err error) diag.Diagnostic {
	return diag.Diagnostic{Pos: doc.Root.Pos, End: doc.Root.Pos, Severity: diag.Error, Code: "internal", Kind: diag.Internal,
		Message: "kiln could not check this file (please report this): " + err.Error()}
}
