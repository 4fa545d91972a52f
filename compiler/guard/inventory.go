package guard

import (
	"sort"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
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
	value   func() ast.Value
}

// NewInventory returns the inventory of objs, in their order: the order of
// each list is that of the objects, so evaluation is deterministic when
// objs is.
func NewInventory(objs []map[string]any) *Inventory {
	inv := &Inventory{objects: objs}
	inv.value = sync.OnceValue(func() ast.Value { return inventoryValue(inv.objects) })
	return inv
}

// Len is the number of objects in the inventory.
func (inv *Inventory) Len() int { return len(inv.objects) }

func inventoryValue(objs []map[string]any) ast.Value {
	byKind := map[string]map[string][]any{}
	for _, o := range objs {
		kind, ok := o["kind"].(string)
		if !ok || kind == "" {
			continue
		}
		if byKind[kind] == nil {
			byKind[kind] = map[string][]any{}
		}
		n := name(o)
		byKind[kind][n] = append(byKind[kind][n], o)
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	out := ast.NewObject()
	for _, k := range kinds {
		v, err := ast.InterfaceToValue(byKind[k])
		if err != nil {
			// Objects are plain data read from YAML or JSON; one that
			// does not convert is left out rather than fail every rule.
			continue
		}
		out.Insert(ast.StringTerm(k), ast.NewTerm(v))
	}
	return out
}
