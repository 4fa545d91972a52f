package validate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kilnhq/kiln/compiler/compile"
)

// memoCapacity bounds the answers a Validator remembers: up to twice this
// many, the recent generation and the one before it. An entry is a hash
// and usually no violations, so the bound is a few megabytes.
const memoCapacity = 4096

// A key names what Validate's answer depends on: the Kubernetes version
// (with a Validator's CRDs, the Validator itself, whose memo it is), the
// object's apiVersion and kind, and a hash of its content.
type key [sha256.Size]byte

// memo remembers Validate's answers by key, in two generations: a hit in
// the older one moves to the recent one, and when the recent one is full
// the older one is dropped, so what every build uses stays while what no
// build asked for lately goes.
type memo struct {
	mu       sync.Mutex
	cur, old map[key][]Violation

	validated, reused atomic.Uint64
}

func (m *memo) get(k key) ([]Violation, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if vs, ok := m.cur[k]; ok {
		return vs, true
	}
	vs, ok := m.old[k]
	if ok {
		m.putLocked(k, vs)
	}
	return vs, ok
}

func (m *memo) put(k key, vs []Violation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(k, vs)
}

func (m *memo) putLocked(k key, vs []Violation) {
	if m.cur == nil || len(m.cur) >= memoCapacity {
		m.old, m.cur = m.cur, make(map[key][]Violation)
	}
	m.cur[k] = vs
}

// Stats count what a Validator's Validate did: Validated objects it
// checked, and Reused answers it gave again for an object with the same
// content, such as a Service several environments share.
type Stats struct {
	Validated, Reused uint64
}

// Stats returns v's counts since it was made.
func (v *Validator) Stats() Stats {
	return Stats{Validated: v.memo.validated.Load(), Reused: v.memo.reused.Load()}
}

// keyOf returns the key of obj for v, and false when obj's content holds a
// value other than the plain ones objects are made of, whose answer is not
// remembered.
func (v *Validator) keyOf(obj compile.Object) (key, bool) {
	b := make([]byte, 0, 2048)
	b = appendString(b, v.version)
	b = appendString(b, obj.APIVersion)
	b = appendString(b, obj.Kind)
	b, ok := appendCanonical(b, obj.Content)
	if !ok {
		return key{}, false
	}
	return sha256.Sum256(b), true
}

// appendCanonical appends an encoding of x that tells apart everything
// Validate tells apart. JSON would not do: it writes int64(1) and 1.0
// alike, which the server's rules compare as different values. Maps are
// written in key order, each value with a tag of its type.
func appendCanonical(b []byte, x any) ([]byte, bool) {
	switch x := x.(type) {
	case nil:
		return append(b, 'z'), true
	case bool:
		if x {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case string:
		return appendString(append(b, 's'), x), true
	case json.Number:
		return appendString(append(b, 'n'), string(x)), true
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(x)), true
	case int:
		return binary.BigEndian.AppendUint64(append(b, 'I'), uint64(x)), true
	case int32:
		return binary.BigEndian.AppendUint32(append(b, 'j'), uint32(x)), true
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'd'), math.Float64bits(x)), true
	case map[string]any:
		b = binary.AppendUvarint(append(b, 'm'), uint64(len(x)))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			b = appendString(b, k)
			var ok bool
			if b, ok = appendCanonical(b, x[k]); !ok {
				return b, false
			}
		}
		return b, true
	case []any:
		b = binary.AppendUvarint(append(b, 'a'), uint64(len(x)))
		for _, e := range x {
			var ok bool
			if b, ok = appendCanonical(b, e); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
