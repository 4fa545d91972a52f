package engine

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine/internal/keypath"
)

// A KeyHasher hashes itself into a key, for a type whose fields the walk
// of HashInput cannot see (unexported state) or should not (a derived
// cache). name is the value's path in the input, such as "Deps[2]"; each
// input written should be labelled with it, name+".part", so that
// KILN_DEBUG=cachehash=1 still tells which field an input came from.
//
//	HashKey(h *cache.Hash, name string)
type KeyHasher = keypath.Hasher

var (
	hasherType = keypath.HasherType
	fileType   = keypath.FileType
	timeType   = keypath.TimeType
	custom     = keypath.Custom
)

// HashInput writes in into h: the one way a stage's input becomes its key.
// Each exported field of a struct is written under its name, nested ones
// with dotted names (Def.Name), elements with their index (Tests[0]), map
// entries in the order of their keys with the key quoted (Env["HOME"]),
// so that KILN_DEBUG=cachehash=1 names every field of every key.
//
// Strings, []byte, bools, numbers, slices, arrays and maps are written as
// they are; a slice or map also writes its length, so that no two shapes
// hash alike; a nil slice or map is an empty one. A pointer is followed,
// and nil is written as such; an interface writes its dynamic type and
// value. A *source.File is its name and content. A time.Time is its
// instant, RFC 3339 in UTC to the nanosecond (a key holding one changes
// as often as it does: most keys want a coarser string, such as a day).
// A type implementing KeyHasher writes itself.
//
// A field tagged key:"-" is left out: what reads the inputs (a reader
// function, a logger, a context) rather than being one. Any other field
// that cannot be hashed (a func, a chan, an unexported field, an
// interface holding such, a cycle) is an error naming it, never skipped:
// a key that silently misses an input returns stale results.
func HashInput(h *cache.Hash, in any) error {
	v := reflect.ValueOf(in)
	if !v.IsValid() {
		h.AddString("in nil", "")
		return nil
	}
	w := walker{h: h}
	if s, ok := keypath.Root(v); ok {
		if v.Kind() == reflect.Pointer {
			w.seen = []pointer{{v.Pointer(), v.Type()}}
		}
		return w.fields(s, "")
	}
	return w.value(v, "in")
}

type walker struct {
	h *cache.Hash
	// seen are the pointers on the path walked, from the root: a cycle
	// is an error. The path is short, and each call appends to its own
	// copy of the walker, so that its siblings do not see its pointers.
	seen []pointer
}

// A pointer is an address with its type: a struct and its first field
// share an address, and a pointer to each is no cycle.
type pointer struct {
	at uintptr
	to reflect.Type
}

// fields writes the fields of struct v, whose path is prefix.
func (w walker) fields(v reflect.Value, prefix string) error {
	for _, f := range fieldsOf(v.Type()) {
		name := f.name
		if prefix != "" {
			name = prefix + "." + f.name
		}
		if f.unexported != nil {
			return fmt.Errorf("field %s (%s) is unexported, so no key can hash it: export it, tag it key:\"-\" if it is no input, or give %s a HashKey method", name, f.unexported, v.Type())
		}
		if err := w.value(v.Field(f.index), name); err != nil {
			return err
		}
	}
	return nil
}

// A field is what the walk needs of one field of a struct type.
type field struct {
	index      int
	name       string
	unexported reflect.Type // the field's type when it is unexported: an error
}

// structFields holds fieldsOf's answers, by struct type: every app's key
// walks the same types, and reflect finds a field's name and tag anew on
// each call.
var structFields sync.Map // reflect.Type → []field

// fieldsOf lists the fields of struct type t that a key holds, in order:
// all but those tagged key:"-".
func fieldsOf(t reflect.Type) []field {
	if fs, ok := structFields.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("key") == "-" {
			continue
		}
		c := field{index: i, name: f.Name}
		if !f.IsExported() {
			c.unexported = f.Type
		}
		fs = append(fs, c)
	}
	structFields.Store(t, fs)
	return fs
}

// hashers holds hasherOf's answers, by type.
var hashers sync.Map // reflect.Type → hashes

type hashes struct{ value, pointer bool }

// hasherOf reports whether t, or a pointer to t, is a KeyHasher: asked
// of every value walked, and reflect's answer searches t's methods.
func hasherOf(t reflect.Type) hashes {
	if h, ok := hashers.Load(t); ok {
		return h.(hashes)
	}
	h := hashes{value: t.Implements(hasherType), pointer: reflect.PointerTo(t).Implements(hasherType)}
	hashers.Store(t, h)
	return h
}

// value writes v, whose path is name.
func (w walker) value(v reflect.Value, name string) error {
	t := v.Type()
	hasher := hasherOf(t)
	if hasher.value {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			w.h.AddString(name+" nil", "")
			return nil
		}
		v.Interface().(KeyHasher).HashKey(w.h, name)
		return nil
	}
	if hasher.pointer {
		p := reflect.New(t)
		p.Elem().Set(v)
		p.Interface().(KeyHasher).HashKey(w.h, name)
		return nil
	}
	switch t {
	case fileType:
		f := fileFields()
		w.h.AddString(name+".Name", v.Field(f.name).String())
		w.h.Add(name+".Content", v.Field(f.content).Bytes())
		return nil
	case timeType:
		w.h.AddString(name, v.Interface().(time.Time).UTC().Format(time.RFC3339Nano))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		w.h.AddString(name, v.String())
	case reflect.Bool:
		w.h.AddString(name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.h.AddString(name, strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.h.AddString(name, strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		w.h.AddString(name, strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Complex64, reflect.Complex128:
		w.h.AddString(name, strconv.FormatComplex(v.Complex(), 'g', -1, 128))
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !custom(t.Elem()) {
			w.h.Add(name, v.Bytes())
			return nil
		}
		return w.list(v, name)
	case reflect.Array:
		return w.list(v, name)
	case reflect.Map:
		return w.dict(v, name)
	case reflect.Pointer:
		if v.IsNil() {
			w.h.AddString(name+" nil", "")
			return nil
		}
		p := pointer{v.Pointer(), t}
		if slices.Contains(w.seen, p) {
			return fmt.Errorf("field %s (%s) points back to itself, so no key can hash it", name, t)
		}
		w.seen = append(w.seen, p)
		return w.value(v.Elem(), name)
	case reflect.Interface:
		if v.IsNil() {
			w.h.AddString(name+" nil", "")
			return nil
		}
		w.h.AddString(name+" type", v.Elem().Type().String())
		return w.value(v.Elem(), name)
	case reflect.Struct:
		return w.fields(v, name)
	default: // func, chan, unsafe.Pointer
		return fmt.Errorf("field %s (%s) cannot be hashed into a key: tag it key:\"-\" if it is no input, or make it data", name, t)
	}
	return nil
}

// fileFields are the indexes of a source.File's Name and Content: found
// by name once, not for every file of every key.
var fileFields = sync.OnceValue(func() (f struct{ name, content int }) {
	n, _ := fileType.FieldByName("Name")
	c, _ := fileType.FieldByName("Content")
	f.name, f.content = n.Index[0], c.Index[0]
	return f
})

// list writes a slice or array: its length, then each element.
func (w walker) list(v reflect.Value, name string) error {
	w.h.AddString(name+" len", strconv.Itoa(v.Len()))
	for i := range v.Len() {
		if err := w.value(v.Index(i), name+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return nil
}

// dict writes a map: its length, then each entry in the order of the keys
// as written.
func (w walker) dict(v reflect.Value, name string) error {
	w.h.AddString(name+" len", strconv.Itoa(v.Len()))
	type entry struct {
		key string
		val reflect.Value
	}
	var entries []entry
	for it := v.MapRange(); it.Next(); {
		k, ok := keypath.MapKey(it.Key())
		if !ok {
			return fmt.Errorf("field %s: a map keyed by %s cannot be hashed into a key: key it by strings or numbers", name, it.Key().Type())
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	for _, e := range entries {
		if err := w.value(e.val, name+"["+e.key+"]"); err != nil {
			return err
		}
	}
	return nil
}
