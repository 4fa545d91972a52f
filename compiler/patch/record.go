package patch

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// record marks every field that patch i added or changed as coming from it.
func record(origins *sourcemap.Map, before, after []compile.Object, i int) {
	old := map[string]compile.Object{}
	for _, o := range before {
		old[o.Key()] = o
	}
	origin := []string{"spec", "patches", strconv.Itoa(i), "patch"}
	for _, o := range after {
		prev, ok := old[o.Key()]
		if !ok { // a new or renamed object: all of it is the patch's doing
			origins.Set(o.Key(), "", origin...)
			continue
		}
		changed("", prev.Content, o.Content, func(path string) { origins.Set(o.Key(), path, origin...) })
	}
}

// changed calls mark with each field path where b differs from a: the
// deepest path for a change inside mappings and equal-length lists, the
// enclosing path otherwise.
func changed(path string, a, b any, mark func(string)) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := make([]string, 0, len(bm))
		for k := range bm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			changed(fieldpath.Join(path, k), am[k], bm[k], mark)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range bl {
			changed(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i], mark)
		}
		return
	}
	if !compile.SameValue(a, b) {
		mark(path)
	}
}
