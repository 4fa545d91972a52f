// Package sourcemap records which field of the app definition produced each
// field of each emitted object, and finds where that field was written, so
// that a finding about emitted output lands on the line the user can change.
//
// Fields are keyed by their path in kiln's grammar (compiler/fieldpath),
// spelled as fieldpath.String spells it: metadata.labels["app.kubernetes.io/name"],
// never metadata.labels.app.kubernetes.io/name, so that a lookup by any
// spelling of the grammar finds them. Origins are app field paths
// (["spec", "port"]). A Resolver turns one into
// a position for an environment: the override in spec.environments.<env>
// when that environment sets the field, the base field otherwise, and for a
// value the user never wrote (a default), the closest field above it that
// the user did write.
package sourcemap

import (
	"slices"

	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
)

// A Map holds the origins of the fields of a set of emitted objects.
// The zero value is not usable; call New.
type Map struct {
	objects map[string]map[string][]string // object key → field path → app path
}

// New returns an empty Map.
func New() *Map { return &Map{objects: map[string]map[string][]string{}} }

// ObjectKey names an object in a Map: "Deployment/checkout".
func ObjectKey(kind, name string) string { return kind + "/" + name }

// Set records that field (a path such as
// "spec.template.spec.containers[0].image", in fieldpath.String's
// spelling: build one with fieldpath.Join) of object obj came from the app
// field at origin. A later Set of the same field wins.
func (m *Map) Set(obj, field string, origin ...string) {
	fields := m.objects[obj]
	if fields == nil {
		fields = map[string][]string{}
		m.objects[obj] = fields
	}
	fields[field] = origin
}

// Origin returns the app path recorded for field of obj, or for the nearest
// enclosing field that has one ("spec.template.spec" for a field inside
// it), and whether any was found.
func (m *Map) Origin(obj, field string) ([]string, bool) {
	fields := m.objects[obj]
	for p := field; ; p = Parent(p) {
		if o, ok := fields[p]; ok {
			return o, true
		}
		if p == "" {
			return nil, false
		}
	}
}

// Below returns the origins recorded for fields inside field (not field
// itself), sorted by field path.
func (m *Map) Below(obj, field string) [][]string {
	var out [][]string
	for _, f := range m.Inside(obj, field) {
		out = append(out, m.objects[obj][f])
	}
	return out
}

// Inside returns the recorded fields inside field (not field itself),
// sorted; inside "", the whole object, is every field.
func (m *Map) Inside(obj, field string) []string {
	var out []string
	if field == "" {
		for f := range m.objects[obj] {
			if f != "" {
				out = append(out, f)
			}
		}
		slices.Sort(out)
		return out
	}
	// field is parsed once, not once for every recorded field (this is
	// asked for every finding's path, of objects with a hundred fields).
	q, err := fieldpath.ParsePath(field)
	if err != nil {
		return nil
	}
	for f := range m.objects[obj] {
		if f == "" || f == field {
			continue
		}
		if p, err := fieldpath.ParsePath(f); err == nil && len(p) > len(q) && slices.Equal(p[:len(q)], q) { // strictly inside
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// Fields returns the recorded fields of obj and their origins.
func (m *Map) Fields(obj string) map[string][]string { return m.objects[obj] }

// Parent returns the path that encloses p: "a.b[0]" → "a.b", "a.b" → "a",
// `a["b.c"]` → "a".
func Parent(p string) string { return fieldpath.Parent(p) }

// A Location is where an app field was written.
type Location struct {
	Path    []string   // the path in the document: the override's path when an environment sets the field
	Pos     source.Pos // the key as written
	End     source.Pos
	Default bool // the field was not written; Pos is the closest field above it that was
}

// namespacePath is the one metadata field an environment overrides, as
// spec.environments.<env>.namespace.
var namespacePath = []string{"metadata", "namespace"}

// A Resolver locates app fields in the document of one environment.
type Resolver struct {
	Doc *load.Doc
	Env string // "" or the default environment: base fields only
}

// Locate returns where the app field at path was written for r's
// environment.
func (r Resolver) Locate(path []string) Location {
	if r.Env != "" && len(path) > 1 && (path[0] == "spec" || slices.Equal(path, namespacePath)) {
		over := append([]string{"spec", "environments", r.Env}, path[1:]...)
		if pos, end, found := r.Doc.Locate(over); found {
			return Location{Path: over, Pos: pos, End: end}
		}
	}
	pos, end, found := r.Doc.Locate(path)
	return Location{Path: path, Pos: pos, End: end, Default: !found}
}

// Lookup returns the value at a field path such as
// "spec.template.spec.containers[0].image" in an object's content; a path
// that is not in the grammar finds nothing.
func Lookup(content map[string]any, path string) (any, bool) {
	p, err := fieldpath.ParsePath(path)
	if err != nil {
		return nil, false
	}
	v, _, err := p.Resolve(content)
	return v, err == nil
}
