// Package enginetest proves that a stage's input is fully keyed: that
// changing any field of it changes its key, and that
// KILN_DEBUG=cachehash=1 names each field. Tests of the packages that
// define stages call CheckKeyed on a sample input. The package does not
// import "testing", so that test helpers outside _test files can use it.
package enginetest

import (
	"bytes"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/engine/internal/keypath"
	"github.com/kilnhq/kiln/compiler/source"
)

// TB is the part of testing.TB the checks use.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// CheckKeyed fails t unless engine.HashInput, the key of every Stage,
// keys every field of sample: see CheckKeyFunc.
func CheckKeyed(t TB, sample any) {
	t.Helper()
	CheckKeyFunc(t, sample, engine.HashInput)
}

// CheckKeyFunc fails t unless key, which writes an input into a hash,
// keys every field of sample: each hashable leaf changed in turn (a
// string or []byte grown, a bool flipped, a number incremented, a time
// moved by a second, a pointer or interface made nil or non-nil) changes
// the key, as does an element appended to each slice and an entry added
// to each map; and the trace names every field. Fields tagged key:"-" are
// left alone; one that cannot be hashed (a func, a chan) and is not so
// tagged is a failure. A type with its own HashKey is only checked to be
// named in the trace.
//
// Give sample an element in each slice and map, and a value in each
// pointer and interface, of structured types: the fields inside an empty
// one cannot be checked, and that is a failure too. The sample is
// changed while the check runs and restored after.
func CheckKeyFunc(t TB, sample any, key func(h *cache.Hash, in any) error) {
	t.Helper()
	root := reflect.New(reflect.TypeOf(sample)).Elem()
	root.Set(reflect.ValueOf(sample))
	c := &checker{t: t, root: root, key: key, seen: map[uintptr]bool{}}
	var trace string
	var err error
	c.base, trace, err = c.keyOf()
	if err != nil {
		t.Errorf("the key of %T: %v", sample, err)
		return
	}
	if s, ok := keypath.Root(root); ok {
		if root.Kind() == reflect.Pointer {
			c.seen[root.Pointer()] = true
		}
		c.fields(s, "", func() {})
	} else {
		c.value(root, "in", func() {})
	}
	for _, p := range c.named {
		if !regexp.MustCompile(`: ` + regexp.QuoteMeta(p) + `[ .\[]`).MatchString(trace) {
			t.Errorf("the cachehash trace of %T does not name %s", sample, p)
		}
	}
}

var (
	fileType = keypath.FileType
	timeType = keypath.TimeType
	custom   = keypath.Custom
)

type checker struct {
	t     TB
	root  reflect.Value
	key   func(*cache.Hash, any) error
	base  cache.ActionID
	named []string         // every path the trace must name
	seen  map[uintptr]bool // pointers on the path walked
}

func (c *checker) keyOf() (cache.ActionID, string, error) {
	var trace bytes.Buffer
	h := cache.NewHash("enginetest", &trace)
	err := c.key(h, c.root.Interface())
	return h.Sum(), trace.String(), err
}

// try applies change, commits it (into the maps and interfaces that
// hold a copy), asks for the key, and undoes it.
func (c *checker) try(path, what string, change, undo, commit func()) {
	c.t.Helper()
	change()
	commit()
	id, _, err := c.keyOf()
	undo()
	commit()
	switch {
	case err != nil:
		c.t.Errorf("the key with %s %s: %v", path, what, err)
	case id == c.base:
		c.t.Errorf("%s %s, and the key did not change: the key misses %s", path, what, path)
	}
}

// set returns a change and its undo that make v new and then v again.
func set(v, new reflect.Value) (change, undo func()) {
	old := reflect.New(v.Type()).Elem()
	old.Set(v)
	return func() { v.Set(new) }, func() { v.Set(old) }
}

func (c *checker) fields(v reflect.Value, prefix string, commit func()) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("key") == "-" || !f.IsExported() {
			continue // HashInput refuses an untagged unexported field
		}
		name := f.Name
		if prefix != "" {
			name = prefix + "." + f.Name
		}
		c.value(v.Field(i), name, commit)
	}
}

// value checks v, settable, whose path is name; commit writes a change of
// v to where v was copied from.
func (c *checker) value(v reflect.Value, name string, commit func()) {
	c.t.Helper()
	t := v.Type()
	if v.Kind() != reflect.Pointer && custom(t) {
		switch t {
		case fileType:
			f := v.Addr().Interface().(*source.File)
			ch, un := set(reflect.ValueOf(&f.Name).Elem(), reflect.ValueOf(f.Name+"x"))
			c.try(name+".Name", "changed", ch, un, commit)
			ch, un = set(reflect.ValueOf(&f.Content).Elem(), reflect.ValueOf(append(bytes.Clone(f.Content), 'x')))
			c.try(name+".Content", "changed", ch, un, commit)
			c.named = append(c.named, name+".Name", name+".Content")
		case timeType:
			ch, un := set(v, reflect.ValueOf(v.Interface().(time.Time).Add(time.Second)))
			c.try(name, "moved by a second", ch, un, commit)
			c.named = append(c.named, name)
		default: // its own HashKey: what it hashes is its business
			c.named = append(c.named, name)
		}
		return
	}
	var changed reflect.Value
	switch v.Kind() {
	case reflect.String:
		changed = reflect.ValueOf(v.String() + "x").Convert(t)
	case reflect.Bool:
		changed = reflect.ValueOf(!v.Bool()).Convert(t)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		changed = reflect.ValueOf(v.Int() + 1).Convert(t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		changed = reflect.ValueOf(v.Uint() + 1).Convert(t)
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		n := f + 1
		if n == f || f != f { // too large to grow, or NaN
			n = 0
		}
		changed = reflect.ValueOf(n).Convert(t)
	case reflect.Complex64, reflect.Complex128:
		changed = reflect.ValueOf(v.Complex() + 1).Convert(t)
	case reflect.Slice:
		c.named = append(c.named, name)
		if t.Elem().Kind() == reflect.Uint8 && !custom(t.Elem()) {
			grown := reflect.MakeSlice(t, v.Len(), v.Len()+1)
			reflect.Copy(grown, v)
			grown = reflect.Append(grown, reflect.ValueOf(byte('x')).Convert(t.Elem()))
			ch, un := set(v, grown)
			c.try(name, "grown", ch, un, commit)
			return
		}
		grown := reflect.MakeSlice(t, v.Len(), v.Len()+1)
		reflect.Copy(grown, v)
		grown = reflect.Append(grown, reflect.Zero(t.Elem()))
		ch, un := set(v, grown)
		c.try(name, "grown by an element", ch, un, commit)
		c.elements(v, name, commit)
		return
	case reflect.Array:
		c.named = append(c.named, name)
		c.elements(v, name, commit)
		return
	case reflect.Map:
		c.named = append(c.named, name)
		c.entries(v, name, commit)
		return
	case reflect.Pointer:
		if v.IsNil() {
			c.named = append(c.named, name)
			ch, un := set(v, reflect.New(t.Elem()))
			c.try(name, "made non-nil", ch, un, commit)
			c.empty(t.Elem(), name, "is nil")
			return
		}
		ch, un := set(v, reflect.Zero(t))
		c.try(name, "made nil", ch, un, commit)
		p := v.Pointer()
		if c.seen[p] {
			return
		}
		c.seen[p] = true
		defer delete(c.seen, p)
		c.value(v.Elem(), name, commit)
		return
	case reflect.Interface:
		c.named = append(c.named, name)
		if v.IsNil() {
			c.t.Errorf("%s is nil: give it a value in the sample, so that what it holds is checked", name)
			return
		}
		ch, un := set(v, reflect.Zero(t))
		c.try(name, "made nil", ch, un, commit)
		inner := reflect.New(v.Elem().Type()).Elem()
		inner.Set(v.Elem())
		c.value(inner, name, func() { v.Set(inner); commit() })
		return
	case reflect.Struct:
		c.fields(v, name, commit)
		return
	default:
		c.t.Errorf("%s (%s) is in the key, and cannot be: tag it key:\"-\" if it is no input, or make it data", name, t)
		return
	}
	c.named = append(c.named, name)
	ch, un := set(v, changed)
	c.try(name, "changed", ch, un, commit)
}

// elements checks each element of a slice or array.
func (c *checker) elements(v reflect.Value, name string, commit func()) {
	if v.Len() == 0 {
		c.empty(v.Type().Elem(), name, "is empty")
	}
	for i := range v.Len() {
		c.value(v.Index(i), name+"["+strconv.Itoa(i)+"]", commit)
	}
}

// entries checks that a new entry changes the key, and each entry.
func (c *checker) entries(m reflect.Value, name string, commit func()) {
	t := m.Type()
	if k, ok := newKey(m); ok {
		if m.IsNil() {
			ch, un := set(m, reflect.MakeMap(t))
			ch0 := ch
			ch = func() { ch0(); m.SetMapIndex(k, reflect.Zero(t.Elem())) }
			c.try(name, "given an entry", ch, un, commit)
		} else {
			c.try(name, "given an entry", func() { m.SetMapIndex(k, reflect.Zero(t.Elem())) }, func() { m.SetMapIndex(k, reflect.Value{}) }, commit)
		}
	}
	if m.Len() == 0 {
		c.empty(t.Elem(), name, "is empty")
	}
	for _, k := range m.MapKeys() {
		ks, ok := keypath.MapKey(k)
		if !ok {
			continue // the key function reported it
		}
		inner := reflect.New(t.Elem()).Elem()
		inner.Set(m.MapIndex(k))
		c.value(inner, name+"["+ks+"]", func() { m.SetMapIndex(k, inner); commit() })
	}
}

// newKey returns a key m does not hold.
func newKey(m reflect.Value) (reflect.Value, bool) {
	kt := m.Type().Key()
	for i := range 1000 {
		var k reflect.Value
		switch kt.Kind() {
		case reflect.String:
			k = reflect.ValueOf("enginetest" + strconv.Itoa(i)).Convert(kt)
		case reflect.Bool:
			k = reflect.ValueOf(i%2 == 1).Convert(kt)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			k = reflect.ValueOf(int64(i)).Convert(kt)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr, reflect.Float32, reflect.Float64:
			k = reflect.ValueOf(uint64(i)).Convert(kt)
		default:
			return reflect.Value{}, false
		}
		if !m.MapIndex(k).IsValid() {
			return k, true
		}
	}
	return reflect.Value{}, false
}

// empty fails when an empty container or a nil pointer hides fields of
// elem from the check.
func (c *checker) empty(elem reflect.Type, name, what string) {
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	switch {
	case custom(elem):
	case elem.Kind() == reflect.Struct, elem.Kind() == reflect.Slice && elem.Elem().Kind() != reflect.Uint8,
		elem.Kind() == reflect.Map, elem.Kind() == reflect.Array, elem.Kind() == reflect.Interface:
		c.t.Errorf("%s %s in the sample: give it a %s, so that the fields inside are checked", name, what, elem)
	}
}
