package guard

import (
	"maps"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kilnhq/kiln/compiler/workload"
)

// An Inventory is every object a run judges together, so that a rule about
// one object can look up the objects it refers to (the NetworkPolicy that
// selects a Deployment's pods, the Service an Ingress sends to) wherever
// they are written: in kiln lint, the documents of every file it lints and
// of --context; for an app, the objects of one environment. Rules read it
// as data.kiln.inventory[kind][name], a list of the objects of that kind
// and name (several when namespaces or environments share a name), so that
// a look-up by name costs no scan.
//
// It is converted for OPA once and shared by every evaluation of the run:
// a thousand files each given the whole inventory as plain data would
// convert it a thousand times. It is immutable and safe for concurrent use.
type Inventory struct {
	objects []map[string]any
	terms   func() []*ast.Term            // each object converted once, shared by value and index
	at      func() map[unsafe.Pointer]int // the index of each object, by its map
	value   func() ast.Value
	index   func() ast.Value
}

// NewInventory returns the inventory of objs, in their order: the order of
// each list is that of the objects, so evaluation is deterministic when
// objs is.
// kinds are the kinds that run pods (workload.Merge); nil for kiln's own.
func NewInventory(objs []map[string]any, kinds []workload.Kind) *Inventory {
	inv := &Inventory{objects: objs}
	inv.terms = sync.OnceValue(func() []*ast.Term { return terms(inv.objects) })
	inv.at = sync.OnceValue(func() map[unsafe.Pointer]int {
		at := make(map[unsafe.Pointer]int, len(inv.objects))
		for i, o := range inv.objects {
			at[reflect.ValueOf(o).UnsafePointer()] = i
		}
		return at
	})
	inv.value = sync.OnceValue(func() ast.Value { return inventoryValue(inv.objects, inv.terms()) })
	inv.index = sync.OnceValue(func() ast.Value { return indexValue(inv.objects, inv.terms(), kinds) })
	return inv
}

// Len is the number of objects in the inventory.
func (inv *Inventory) Len() int { return len(inv.objects) }

// terms converts each object for OPA; one that does not convert (never
// the case for data read from YAML or JSON) is nil and left out. The
// first evaluation waits for all of them (kiln lint's thousands of
// documents), so they are converted on every core.
func terms(objs []map[string]any) []*ast.Term {
	out := make([]*ast.Term, len(objs))
	parts := max(1, min(runtime.GOMAXPROCS(0), len(objs)/64))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for i := p * len(objs) / parts; i < (p+1)*len(objs)/parts; i++ {
				if v, err := ast.InterfaceToValue(objs[i]); err == nil {
					out[i] = ast.NewTerm(v)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// termsOf converts objs for OPA, taking the inventory's term of each
// object it holds (the very map: kiln lint judges each file's documents
// with the inventory of them all), so that the file's objects are not
// converted a second time, and a rule comparing an object of the input
// with one of the inventory (lib.rego's in_view) compares pointers, not
// whole objects.
func (inv *Inventory) termsOf(objs []map[string]any) ([]*ast.Term, error) {
	out := make([]*ast.Term, len(objs))
	for i, o := range objs {
		if j, ok := inv.at()[reflect.ValueOf(o).UnsafePointer()]; ok && inv.terms()[j] != nil {
			out[i] = inv.terms()[j]
			continue
		}
		v, err := ast.InterfaceToValue(o)
		if err != nil {
			return nil, err
		}
		out[i] = ast.NewTerm(v)
	}
	return out, nil
}

// objectTerms converts each object for OPA, or fails on the first that
// does not convert.
func objectTerms(objs []map[string]any) ([]*ast.Term, error) {
	out := make([]*ast.Term, len(objs))
	for i, o := range objs {
		v, err := ast.InterfaceToValue(o)
		if err != nil {
			return nil, err
		}
		out[i] = ast.NewTerm(v)
	}
	return out, nil
}

// ownValue is data.kiln.own: the objects of ts by kind and name, in
// their order, as policies/lib.rego's own computes them when kiln gives
// none: any defined kind, and the name object.get(o, ["metadata",
// "name"], "") reads. kiln builds it as it converts the objects: in Rego
// it scans every object once per kind and name.
func ownValue(ts []*ast.Term) ast.Value {
	kinds := keyed[keyed[[]*ast.Term]]{}
	for _, t := range ts {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			continue
		}
		kind := obj.Get(ast.InternedTerm("kind"))
		if kind == nil {
			continue
		}
		name := ast.InternedEmptyString
		if meta := obj.Get(ast.InternedTerm("metadata")); meta != nil {
			if m, ok := meta.Value.(ast.Object); ok {
				if n := m.Get(ast.InternedTerm("name")); n != nil {
					name = n
				}
			}
		}
		byName := kinds.at(kind)
		list := byName.value.at(name)
		list.value = append(list.value, t)
	}
	own := ast.NewObject()
	for _, k := range kinds.entries {
		byName := ast.NewObject()
		for _, n := range k.value.entries {
			byName.Insert(n.key, ast.ArrayTerm(n.value...))
		}
		own.Insert(k.key, ast.NewTerm(byName))
	}
	return own
}

// keyed maps OPA terms to values, as an object's keys are told apart
// (ast.KeyHashEqual), in the order they were first seen.
type keyed[V any] struct {
	byHash  map[int][]*entry[V]
	entries []*entry[V]
}

type entry[V any] struct {
	key   *ast.Term
	value V
}

// at returns the entry of key, added when it has none.
func (k *keyed[V]) at(key *ast.Term) *entry[V] {
	h := key.Hash()
	for _, e := range k.byHash[h] {
		if ast.KeyHashEqual(e.key.Value, key.Value) {
			return e
		}
	}
	if k.byHash == nil {
		k.byHash = map[int][]*entry[V]{}
	}
	e := &entry[V]{key: key}
	k.byHash[h] = append(k.byHash[h], e)
	k.entries = append(k.entries, e)
	return e
}

// list is the OPA array of the objects at indices is.
func list(ts []*ast.Term, is []int) *ast.Term {
	out := make([]*ast.Term, 0, len(is))
	for _, i := range is {
		if ts[i] != nil {
			out = append(out, ts[i])
		}
	}
	return ast.ArrayTerm(out...)
}

// object is the OPA object of m, its keys sorted.
func object[V any](m map[string]V, value func(V) *ast.Term) *ast.Term {
	out := ast.NewObject()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out.Insert(ast.StringTerm(k), value(m[k]))
	}
	return ast.NewTerm(out)
}

// byTwo is an index of objects by two keys (kind and name, label and value).
type byTwo map[string]map[string][]int

func (b byTwo) add(k1, k2 string, i int) {
	if b[k1] == nil {
		b[k1] = map[string][]int{}
	}
	b[k1][k2] = append(b[k1][k2], i)
}

func (b byTwo) term(ts []*ast.Term) *ast.Term {
	return object(b, func(m map[string][]int) *ast.Term {
		return object(m, func(is []int) *ast.Term { return list(ts, is) })
	})
}

func inventoryValue(objs []map[string]any, ts []*ast.Term) ast.Value {
	byKind := byTwo{}
	for i, o := range objs {
		if kind, ok := o["kind"].(string); ok && kind != "" {
			byKind.add(kind, name(o), i)
		}
	}
	return byKind.term(ts).Value
}

// selectorPaths are the kinds that select pods, with the path to their
// selector: a label selector, or for a Service a plain map of labels.
var selectorPaths = map[string][]string{
	"NetworkPolicy":       {"spec", "podSelector", "matchLabels"},
	"PodDisruptionBudget": {"spec", "selector", "matchLabels"},
	"Service":             {"spec", "selector"},
}

// indexValue is data.kiln.index: the inventory's objects by what rules
// look them up by, so that a rule judging one file's objects finds the
// pods a selector selects, the selectors that may select a pod and the
// autoscalers of a workload without scanning the whole run for each file:
//
//	pods[k][v]                  objects running pods labelled k=v; all_pods, all of them
//	selectors[kind].labels[k][v] objects of kind whose selector asks k=v
//	selectors[kind].open        those whose selector asks no label (all pods, or expressions only)
//	scalers[kind][name]         autoscalers whose scaleTargetRef is kind/name
//
// It is a superset: rules check each candidate in full.
//
// The objects running pods are those of kinds (workload.Builtin when nil),
// the one list policies/lib.rego's pod_labels reads too.
func indexValue(objs []map[string]any, ts []*ast.Term, kinds []workload.Kind) ast.Value {
	if kinds == nil {
		kinds = workload.Builtin()
	}
	pods, scalers := byTwo{}, byTwo{}
	var allPods []int
	var sels []selector
	for i, o := range objs {
		kind, _ := o["kind"].(string)
		apiVersion, _ := o["apiVersion"].(string)
		if w, ok := workload.Find(kinds, apiVersion, kind); ok {
			allPods = append(allPods, i)
			labels, _ := dig(o, append(slices.Clone(w.Template), "metadata", "labels")).(map[string]any)
			if _, hasTemplate := dig(o, w.Template).(map[string]any); !hasTemplate && len(w.Template) > 0 {
				// no template (the API server refuses it): the pods its
				// selector asks for, as lib.rego's pod_labels says
				labels, _ = dig(o, []string{"spec", "selector", "matchLabels"}).(map[string]any)
			}
			for _, k := range slices.Sorted(maps.Keys(labels)) {
				if v, ok := labels[k].(string); ok {
					pods.add(k, v, i)
				}
			}
		}
		if p, ok := selectorPaths[kind]; ok {
			sels = append(sels, selector{kind, i, dig(o, p)})
		}
		if kind == "HorizontalPodAutoscaler" {
			ref, _ := dig(o, []string{"spec", "scaleTargetRef"}).(map[string]any)
			k, _ := ref["kind"].(string)
			n, _ := ref["name"].(string)
			scalers.add(k, n, i)
		}
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("pods"), pods.term(ts)),
		ast.Item(ast.StringTerm("all_pods"), list(ts, allPods)),
		ast.Item(ast.StringTerm("selectors"), selectorIndex(sels, ts)),
		ast.Item(ast.StringTerm("scalers"), scalers.term(ts)),
	)
}

// A selector is an object that selects pods, with its labels.
type selector struct {
	kind string
	obj  int
	sel  any
}

// selectorIndex files each selector under one label it asks, the one the
// fewest selectors of its kind ask (kiln's own labels, which every object
// carries, would make one bucket of them all): a selector matching a pod
// asks only labels the pod has, so looking up each of a pod's labels finds
// it. Those that ask no label (all pods, or expressions only) are open.
func selectorIndex(sels []selector, ts []*ast.Term) *ast.Term {
	freq := map[[3]string]int{}
	for _, s := range sels {
		labels, _ := s.sel.(map[string]any)
		for k, v := range labels {
			if v, ok := v.(string); ok {
				freq[[3]string{s.kind, k, v}]++
			}
		}
	}
	byLabel := map[string]byTwo{}
	open := map[string][]int{}
	for _, s := range sels {
		if s.kind == "Service" && s.sel == nil {
			continue // a Service without a selector selects no pods
		}
		if byLabel[s.kind] == nil {
			byLabel[s.kind] = byTwo{}
		}
		labels, _ := s.sel.(map[string]any)
		best, n := [3]string{}, -1
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			if v, ok := labels[k].(string); ok {
				key := [3]string{s.kind, k, v}
				if n < 0 || freq[key] < n {
					best, n = key, freq[key]
				}
			}
		}
		if n < 0 {
			open[s.kind] = append(open[s.kind], s.obj)
			continue
		}
		byLabel[s.kind].add(best[1], best[2], s.obj)
	}
	out := ast.NewObject()
	for _, kind := range slices.Sorted(maps.Keys(byLabel)) {
		out.Insert(ast.StringTerm(kind), ast.ObjectTerm(
			ast.Item(ast.StringTerm("labels"), byLabel[kind].term(ts)),
			ast.Item(ast.StringTerm("open"), list(ts, open[kind]))))
	}
	return ast.NewTerm(out)
}

func dig(v any, path []string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}
