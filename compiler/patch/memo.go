package patch

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
)

// Kustomize's round trip is most of a build's time with patches, and the
// same patch meets the same objects again and again: in each environment
// of an app whose environments leave the patched object alone, and in an
// editor, on every keystroke that changes something else. A patch's
// outcome depends only on the objects it is given (as kustomize reads
// them: their JSON form) and on the patch, so it is remembered under a
// hash of both, a few dozen outcomes at most.

// memoSize bounds the outcomes remembered: enough for the environments
// of the apps being built at once (a few per worker) and for an editor's
// open apps; an outcome is the objects one patch was given, tens of
// kilobytes as maps, so the memo stays within a few megabytes.
const memoSize = 64

type outcome struct {
	objs []compile.Object
	errs []patchError
}

var memo = struct {
	sync.Mutex
	m     map[[sha256.Size]byte]outcome
	order [][sha256.Size]byte // oldest first
}{m: map[[sha256.Size]byte]outcome{}}

// memoKey hashes what a transform depends on; ok is false when an object
// cannot be hashed, and the transform then runs unremembered.
func memoKey(objs []compile.Object, p app.Patch) (k [sha256.Size]byte, ok bool) {
	h := sha256.New()
	enc := json.NewEncoder(h) // sorted keys: equal contents, equal bytes
	if enc.Encode(p) != nil {
		return k, false
	}
	for _, o := range objs {
		if enc.Encode(o.Content) != nil {
			return k, false
		}
	}
	h.Sum(k[:0])
	return k, true
}

// memoTransform is transform, remembered. The objects it returns are
// the caller's own: record and the later stages may change them.
func memoTransform(objs []compile.Object, p app.Patch, run func() ([]compile.Object, []patchError)) ([]compile.Object, []patchError) {
	k, ok := memoKey(objs, p)
	if !ok {
		return run()
	}
	memo.Lock()
	o, hit := memo.m[k]
	memo.Unlock()
	if hit {
		return copyObjects(o.objs), o.errs
	}
	objs, errs := run()
	memo.Lock()
	defer memo.Unlock()
	if _, had := memo.m[k]; !had {
		memo.order = append(memo.order, k)
		if len(memo.order) > memoSize {
			delete(memo.m, memo.order[0])
			memo.order = memo.order[1:]
		}
	}
	memo.m[k] = outcome{objs: copyObjects(objs), errs: errs}
	return objs, errs
}

func copyObjects(objs []compile.Object) []compile.Object {
	if objs == nil {
		return nil
	}
	out := make([]compile.Object, len(objs))
	for i, o := range objs {
		o.Content = copyValue(o.Content).(map[string]any)
		out[i] = o
	}
	return out
}

// copyValue copies the maps and lists of v, keeping every scalar's type.
func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = copyValue(x)
		}
		return m
	case []any:
		if v == nil {
			return v
		}
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = copyValue(x)
		}
		return l
	}
	return v
}
