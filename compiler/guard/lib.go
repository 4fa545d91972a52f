package guard

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kilnhq/kiln/compiler/workload"
)

// workloadsValue is data.kiln.workloads: policies/lib.rego's workloads,
// the objects of ts that run pods with their pod spec and its path and
// their pods' labels and the path to those, as lib.rego computes them
// when kiln gives none. Half the rules iterate them; OPA, building them,
// looked every object's kind up in the workload kinds twice more (in_group
// and has_own_entry), a tenth of all it evaluated over an app.
// kinds are the kinds that run pods (workload.Builtin when nil), the list
// lib.rego's workload_kinds reads.
func workloadsValue(ts []*ast.Term, kinds []workload.Kind) []workloadTerm {
	if kinds == nil {
		kinds = workload.Builtin()
	}
	var out []workloadTerm
	for _, t := range ts {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			continue
		}
		kind, ok := valueAt(obj, "kind").(ast.String)
		if !ok {
			continue
		}
		apiVersion, _ := valueAt(obj, "apiVersion").(ast.String)
		k, ok := workload.Find(kinds, string(apiVersion), string(kind))
		if !ok {
			continue
		}
		template := termAt(t, k.Template...)
		if template == nil {
			continue
		}
		pod := termAt(template, "spec")
		if pod == nil {
			continue
		}
		if _, ok := pod.Value.(ast.Object); !ok {
			continue
		}
		labels := termAt(template, "metadata", "labels")
		if labels == nil {
			labels = ast.ObjectTerm()
		}
		out = append(out, workloadTerm{object: t, pod: pod, kind: k, labels: labels})
	}
	return out
}

// A workloadTerm is one element of lib.rego's workloads.
type workloadTerm struct {
	object, pod, labels *ast.Term
	kind                workload.Kind
}

func (w workloadTerm) term() *ast.Term {
	return ast.ObjectTerm(
		ast.Item(ast.InternedTerm("object"), w.object),
		ast.Item(ast.InternedTerm("pod"), w.pod),
		ast.Item(ast.InternedTerm("podPath"), ast.StringTerm(w.kind.PodPath())),
		ast.Item(ast.InternedTerm("labels"), w.labels),
		ast.Item(ast.InternedTerm("labelsPath"), ast.StringTerm(w.kind.LabelsPath())),
	)
}

func workloadSet(ws []workloadTerm) ast.Value {
	s := ast.NewSet()
	for _, w := range ws {
		s.Add(w.term())
	}
	return s
}

// containersValue is data.kiln.containers: lib.rego's containers, every
// container and init container of ws with its path, a nameless one named
// by its place. It is nil when a pod lists its containers other than in
// an array (an object, a string), which lib.rego iterates in ways not
// worth copying: lib.rego then computes them itself.
func containersValue(ws []workloadTerm) ast.Value {
	s := ast.NewSet()
	for _, w := range ws {
		pod := w.pod.Value.(ast.Object)
		for _, field := range []string{"containers", "initContainers"} {
			v := pod.Get(ast.InternedTerm(field))
			if v == nil {
				continue
			}
			list, ok := v.Value.(*ast.Array)
			if !ok {
				return nil
			}
			for i := range list.Len() {
				c := list.Elem(i)
				if _, ok := c.Value.(ast.Object); !ok {
					continue
				}
				s.Add(ast.ObjectTerm(
					ast.Item(ast.InternedTerm("object"), w.object),
					ast.Item(ast.InternedTerm("pod"), w.pod),
					ast.Item(ast.InternedTerm("container"), named(c, fmt.Sprintf("%s[%d]", field, i))),
					ast.Item(ast.InternedTerm("path"), ast.StringTerm(fmt.Sprintf("%s.%s[%d]", w.kind.PodPath(), field, i))),
				))
			}
		}
	}
	return s
}

// named is container c, or, when it has no name, c named name
// (object.union({"name": name}, c)).
func named(c *ast.Term, name string) *ast.Term {
	obj := c.Value.(ast.Object)
	if obj.Get(ast.InternedTerm("name")) != nil {
		return c
	}
	out := ast.NewObject(ast.Item(ast.InternedTerm("name"), ast.StringTerm(name)))
	obj.Foreach(func(k, v *ast.Term) { out.Insert(k, v) })
	return ast.NewTerm(out)
}

// termAt is object.get(t, path, undefined): the term at path, nil when
// some step is not an object or lacks the key. An empty path is t.
func termAt(t *ast.Term, path ...string) *ast.Term {
	for _, p := range path {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			return nil
		}
		if t = obj.Get(ast.StringTerm(p)); t == nil {
			return nil
		}
	}
	return t
}

func valueAt(obj ast.Object, key string) ast.Value {
	if t := obj.Get(ast.StringTerm(key)); t != nil {
		return t.Value
	}
	return nil
}
