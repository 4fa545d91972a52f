package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"cuelang.org/go/cue"
)

// Default decodes into v the default schemas/app.cue gives the field at a
// dotted path such as spec.scaling.cpuTarget, or, for a path to a mapping
// such as spec.sla, the defaults of the fields inside it, as one value
// (json.Unmarshal's rules, so v may be a struct of compiler/app). It
// reports whether the schema gives any. Go code that needs a default
// reads it here rather than repeating it, so that app.cue stays the one
// place a default is written.
//
// Only defaults that hold whatever else the app says are here: a default
// that depends on another field (build.version, by build.language) is
// left out.
func Default(path string, v any) bool {
	node := any(defaults())
	if path != "" {
		for _, elem := range strings.Split(path, ".") {
			m, ok := node.(map[string]any)
			if !ok {
				return false
			}
			if node, ok = m[elem]; !ok {
				return false
			}
		}
	}
	raw, err := json.Marshal(node)
	if err != nil {
		panic(fmt.Sprintf("schemas/app.cue: default of %s: %v", path, err))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		// The caller asked for a Go type the default is not of: a bug.
		panic(fmt.Sprintf("schemas/app.cue: default of %s is %s, not a %T", path, raw, v))
	}
	return true
}

// defaults are the app's defaults as a tree of mappings, one leaf per
// field with a default, read from #App once.
var defaults = sync.OnceValue(func() map[string]any {
	s, err := Load()
	if err != nil {
		// The schema is embedded and tested: a broken build.
		panic(err)
	}
	e := s.cue.get()
	defer s.cue.put(e)
	return defaultsOf(e.shape)
})

// defaultsOf walks the fields of a struct, optional ones included, into
// the defaults of its fields: a field's default when it has a concrete
// one, the defaults inside it when it is a struct. It does not follow
// map patterns ([string]: T) or lists, which have no fields of their own.
func defaultsOf(v cue.Value) map[string]any {
	out := map[string]any{}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return out
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		f := it.Value()
		if d, ok := f.Default(); ok && d.IsConcrete() && d.Kind() != cue.StructKind && d.Kind() != cue.ListKind {
			var x any
			if err := d.Decode(&x); err == nil {
				out[name] = x
			}
			continue
		}
		if f.IncompleteKind() == cue.StructKind {
			if sub := defaultsOf(f); len(sub) > 0 {
				out[name] = sub
			}
		}
	}
	return out
}
