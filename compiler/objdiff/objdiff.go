// Package objdiff compares two sets of Kubernetes objects by what they
// mean rather than how they are written: objects are matched by apiVersion,
// kind, namespace and name, maps by key, lists of named items (containers,
// env, ports, volumes, volumeMounts: lists whose items all have a distinct
// "name") by name, and other lists by position. Init containers, and env
// when a value refers to another variable, whose order means something,
// are compared by position when their order changed. Each difference is a field
// path in kiln's one path grammar (docs/paths.md), so that a change reads
// spec.template.spec.containers[name=web].image whatever the order of the
// containers. kiln diff and kiln import --check report through it; it
// keeps nothing and knows nothing of what a particular API server adds.
package objdiff

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// Key identifies an object.
type Key struct{ APIVersion, Kind, Namespace, Name string }

// String renders the key as kind/name, with the namespace and the API
// group's version when there is one: "apps/v1 Deployment shop/checkout".
func (k Key) String() string {
	name := k.Name
	if k.Namespace != "" {
		name = k.Namespace + "/" + name
	}
	return k.APIVersion + " " + k.Kind + " " + name
}

// Operations a Change can have.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// A Change is one object added, removed or changed; Fields lists what
// changed in it (empty for an added or removed object).
type Change struct {
	Key    Key
	Op     string // Added, Removed or Changed
	Fields []Field
}

// A Field is one changed value, at a path in docs/paths.md's syntax
// (spec.template.spec.containers[name=web].image). Old is nil when the
// field is new, New nil when it is gone.
type Field struct {
	Path     string
	Old, New any
}

// KeyOf returns the key of an object.
func KeyOf(obj map[string]any) Key {
	meta, _ := obj["metadata"].(map[string]any)
	return Key{
		APIVersion: str(obj["apiVersion"]),
		Kind:       str(obj["kind"]),
		Namespace:  str(meta["namespace"]),
		Name:       str(meta["name"]),
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Objects compares old and new order-free: objects by Key, maps by key,
// lists of named items by name, other lists by position. Changes come
// sorted by key (kind, namespace, name, apiVersion), so that the same
// inputs give the same report. Two objects with one key in the same set
// are matched in the order they appear.
func Objects(old, new []map[string]any) []Change {
	before, after := byKey(old), byKey(new)
	keys := make([]Key, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	var out []Change
	for _, k := range keys {
		out = append(out, pair(k, before[k], after[k])...)
	}
	return out
}

// pair compares the objects one key has on either side.
func pair(k Key, old, new []map[string]any) []Change {
	var out []Change
	for i := 0; i < max(len(old), len(new)); i++ {
		switch {
		case i >= len(old):
			out = append(out, Change{Key: k, Op: Added})
		case i >= len(new):
			out = append(out, Change{Key: k, Op: Removed})
		default:
			if fields := Values(old[i], new[i]); len(fields) > 0 {
				out = append(out, Change{Key: k, Op: Changed, Fields: fields})
			}
		}
	}
	return out
}

func byKey(objs []map[string]any) map[Key][]map[string]any {
	m := make(map[Key][]map[string]any, len(objs))
	for _, o := range objs {
		k := KeyOf(o)
		m[k] = append(m[k], o)
	}
	return m
}

func compareKeys(a, b Key) int {
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.APIVersion, b.APIVersion),
	)
}

// Values compares two documents (maps and lists as encoding/json or a
// YAML decoder gives them) and returns every field that differs, in path
// order. A null field is the same as an absent one, as it is to the
// Kubernetes API; numbers are equal when their values are (2 and 2.0).
func Values(old, new any) []Field {
	var d differ
	d.walk(nil, old, new)
	return d.fields
}

type differ struct{ fields []Field }

func (d *differ) add(p fieldpath.Path, old, new any) {
	d.fields = append(d.fields, Field{Path: p.String(), Old: old, New: new})
}

// walk compares old and new at path p.
func (d *differ) walk(p fieldpath.Path, old, new any) {
	switch o := old.(type) {
	case map[string]any:
		if n, ok := new.(map[string]any); ok {
			d.maps(p, o, n)
			return
		}
	case []any:
		if n, ok := new.([]any); ok {
			d.lists(p, o, n)
			return
		}
	}
	if !equalScalars(old, new) {
		d.add(p, old, new)
	}
}

func (d *differ) maps(p fieldpath.Path, old, new map[string]any) {
	keys := make([]string, 0, len(old)+len(new))
	for k, v := range old {
		if v != nil {
			keys = append(keys, k)
		}
	}
	for k, v := range new {
		if _, ok := old[k]; (!ok || old[k] == nil) && v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.walk(extend(p, fieldpath.Step{Field: k, Index: -1}), old[k], new[k])
	}
}

// lists compares two lists by the names of their items when both are
// lists of named items, and by position otherwise.
func (d *differ) lists(p fieldpath.Path, old, new []any) {
	oldNames, okOld := names(old)
	newNames, okNew := names(new)
	if okOld && okNew && (len(old) > 0 || len(new) > 0) && !(ordered(p, old, new) && reordered(oldNames, newNames)) {
		d.named(p, old, new, oldNames, newNames)
		return
	}
	for i := 0; i < max(len(old), len(new)); i++ {
		q := extend(p, fieldpath.Step{Index: i})
		switch {
		case i >= len(old):
			d.add(q, nil, new[i])
		case i >= len(new):
			d.add(q, old[i], nil)
		default:
			d.walk(q, old[i], new[i])
		}
	}
}

// named compares lists of named items by name: the old side's order
// first, then the items only the new side has, in its order.
func (d *differ) named(p fieldpath.Path, old, new []any, oldNames, newNames []string) {
	at := make(map[string]int, len(new))
	for i, n := range newNames {
		at[n] = i
	}
	seen := make(map[string]bool, len(old))
	for i, n := range oldNames {
		seen[n] = true
		q := extend(p, fieldpath.Step{Index: -1, Key: "name", Value: n})
		if j, ok := at[n]; ok {
			d.walk(q, old[i], new[j])
		} else {
			d.add(q, old[i], nil)
		}
	}
	for j, n := range newNames {
		if !seen[n] {
			d.add(extend(p, fieldpath.Step{Index: -1, Key: "name", Value: n}), nil, new[j])
		}
	}
}

// ordered reports whether the order of the named items of the list at p
// means something: init containers (they run one after the other, and a
// sidecar starts before the ones after it), and environment variables
// when a value refers to another ($(VAR) expands only the variables
// before it).
func ordered(p fieldpath.Path, old, new []any) bool {
	if len(p) == 0 {
		return false
	}
	switch p[len(p)-1].Field {
	case "initContainers":
		return true
	case "env":
		return slices.ContainsFunc(slices.Concat(old, new), func(v any) bool {
			s, _ := v.(map[string]any)["value"].(string)
			return strings.Contains(s, "$(")
		})
	}
	return false
}

// reordered reports whether the names both lists have come in another
// order in new than in old; such lists are compared by position.
func reordered(oldNames, newNames []string) bool {
	inOld := make(map[string]bool, len(oldNames))
	for _, n := range oldNames {
		inOld[n] = true
	}
	var common []string
	for _, n := range newNames {
		if inOld[n] {
			common = append(common, n)
		}
	}
	i := 0
	for _, n := range oldNames {
		if i < len(common) && n == common[i] {
			i++
		}
	}
	return i < len(common)
}

// names returns the names of a list's items when every item is a map
// with a distinct string name that a [name=VALUE] step can spell.
func names(l []any) ([]string, bool) {
	out := make([]string, 0, len(l))
	seen := make(map[string]bool, len(l))
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		n, ok := m["name"].(string)
		if !ok || n == "" || seen[n] || strings.ContainsAny(n, " \t\r\n\"[]=") {
			return nil, false
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, true
}

// extend returns p with s appended, never sharing p's backing array.
func extend(p fieldpath.Path, s fieldpath.Step) fieldpath.Path {
	return append(p[:len(p):len(p)], s)
}

// equalScalars compares two leaves; numbers by value whatever their Go
// type, since YAML decoders give int and JSON decoders float64.
func equalScalars(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

// number renders a numeric value in one canonical spelling, or false
// when v is no number.
func number(v any) (string, bool) {
	switch n := v.(type) {
	case int:
		return strconv.FormatInt(int64(n), 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case uint64:
		return strconv.FormatUint(n, 10), true
	case float32:
		return canonicalFloat(float64(n)), true
	case float64:
		return canonicalFloat(n), true
	case fmt.Stringer:
		// json.Number and similar spell themselves.
		if s := n.String(); s != "" {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return canonicalFloat(f), true
			}
		}
	}
	return "", false
}

// canonicalFloat spells a whole float as the integer it is, so that 2.0
// equals 2.
func canonicalFloat(f float64) string {
	if f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
