// Package keypath holds what the key walk of compiler/engine and its
// checker, compiler/engine/enginetest, must agree on: which types hash
// themselves, where an input's paths start, and how a map key is named.
package keypath

import (
	"reflect"
	"strconv"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/source"
)

// Hasher is engine.KeyHasher.
type Hasher interface {
	HashKey(h *cache.Hash, name string)
}

var (
	HasherType = reflect.TypeFor[Hasher]()
	FileType   = reflect.TypeFor[source.File]()
	TimeType   = reflect.TypeFor[time.Time]()
)

// Custom reports whether values of t are written as a whole rather than
// by their fields: a source.File, a time.Time, a Hasher.
func Custom(t reflect.Type) bool {
	return t == FileType || t == TimeType || t.Implements(HasherType) || reflect.PointerTo(t).Implements(HasherType)
}

// Root returns the struct whose fields an input's paths name without a
// prefix: in itself, or what a non-nil pointer in points to. Any other
// input is written as "in".
func Root(in reflect.Value) (reflect.Value, bool) {
	if in.Kind() == reflect.Pointer && !in.IsNil() && !in.Type().Implements(HasherType) {
		in = in.Elem()
	}
	if in.Kind() == reflect.Struct && !Custom(in.Type()) {
		return in, true
	}
	return reflect.Value{}, false
}

// MapKey is how a map key is written in a path: a string quoted, a bool
// or number as Go writes it. Other key types are an error.
func MapKey(k reflect.Value) (string, bool) {
	switch k.Kind() {
	case reflect.String:
		return strconv.Quote(k.String()), true
	case reflect.Bool:
		return strconv.FormatBool(k.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(k.Float(), 'g', -1, 64), true
	}
	return "", false
}
