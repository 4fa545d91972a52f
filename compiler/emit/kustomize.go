package emit

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
)

// kustomization is the subset of kustomize's Kustomization kiln writes.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources,omitempty"`
	Patches    []kpatch `json:"patches,omitempty"`
}

type kpatch struct {
	Target *ktarget `json:"target,omitempty"`
	Patch  string   `json:"patch"`
}

type ktarget struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
}

func newKustomization() kustomization {
	return kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization"}
}

func kustomizeBase(files map[string][]byte, app string, objs []compile.Object, sops []build.SOPSSecret) error {
	k := newKustomization()
	for _, o := range objs {
		b, err := compile.YAML([]compile.Object{o})
		if err != nil {
			return err
		}
		files["base/"+objectFile(o, app)] = b
		k.Resources = append(k.Resources, objectFile(o, app))
	}
	for _, s := range sops {
		name := "secret-" + s.Name + ".yaml"
		files["base/"+name] = s.Data
		k.Resources = append(k.Resources, name)
	}
	return writeKustomization(files, "base/kustomization.yaml", k)
}

// kustomizeOverlay writes env's differences from base: JSON patches for
// changed objects, new files for objects only env has, and delete patches
// for objects only base has.
func kustomizeOverlay(files map[string][]byte, app, env string, base, objs []compile.Object) error {
	dir := "overlays/" + env + "/"
	k := newKustomization()
	k.Resources = []string{"../../base"}
	byKey := map[string]compile.Object{}
	for _, o := range base {
		byKey[o.Key()] = o
	}
	for _, o := range objs {
		b, ok := byKey[o.Key()]
		delete(byKey, o.Key())
		if !ok {
			y, err := compile.YAML([]compile.Object{o})
			if err != nil {
				return err
			}
			files[dir+objectFile(o, app)] = y
			k.Resources = append(k.Resources, objectFile(o, app))
			continue
		}
		ops := diff("", b.Content, o.Content)
		if len(ops) == 0 {
			continue
		}
		patch, err := yaml.Marshal(ops)
		if err != nil {
			return err
		}
		k.Patches = append(k.Patches, kpatch{Target: target(o), Patch: string(patch)})
	}
	for _, o := range base { // in base order, for determinism
		if _, gone := byKey[o.Key()]; gone {
			k.Patches = append(k.Patches, kpatch{Patch: fmt.Sprintf(
				"$patch: delete\napiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", o.APIVersion, o.Kind, o.Name)})
		}
	}
	return writeKustomization(files, dir+"kustomization.yaml", k)
}

func target(o compile.Object) *ktarget {
	group, version, found := strings.Cut(o.APIVersion, "/")
	if !found {
		group, version = "", o.APIVersion
	}
	return &ktarget{Group: group, Version: version, Kind: o.Kind, Name: o.Name}
}

func writeKustomization(files map[string][]byte, name string, k kustomization) error {
	b, err := yaml.Marshal(k)
	if err != nil {
		return err
	}
	files[name] = b
	return nil
}

// op is one RFC 6902 operation.
type op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// diff returns the JSON patch that turns a into b. Lists whose length
// differs are replaced whole, which keeps indexes simple and exact.
func diff(path string, a, b any) []op {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var ops []op
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		for _, k := range sorted {
			p := path + "/" + pointerEscaper.Replace(k)
			av, ina := am[k]
			bv, inb := bm[k]
			switch {
			case !inb:
				ops = append(ops, op{Op: "remove", Path: p})
			case !ina:
				ops = append(ops, op{Op: "add", Path: p, Value: bv})
			default:
				ops = append(ops, diff(p, av, bv)...)
			}
		}
		return ops
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var ops []op
		for i := range al {
			ops = append(ops, diff(fmt.Sprintf("%s/%d", path, i), al[i], bl[i])...)
		}
		return ops
	}
	if compile.SameValue(a, b) {
		return nil
	}
	return []op{{Op: "replace", Path: path, Value: b}}
}

// pointerEscaper escapes a key for a JSON pointer (RFC 6901). Built once:
// a Replacer's first use builds its tables, which costs more than using it.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
