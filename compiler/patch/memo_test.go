package patch

import (
	"reflect"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// A remembered outcome is the one kustomize gives, and the caller's to
// change: changing what one Apply returned changes nothing of the next.
func TestRememberedPatchIsACopy(t *testing.T) {
	p := app.Patch{Target: app.PatchTarget{Kind: "Deployment"}, Patch: "- op: add\n  path: /spec/paused\n  value: true\n"}
	apply := func() []compile.Object {
		objs, fs, err := Apply([]compile.Object{deployment("memo")}, []app.Patch{p}, sourcemap.New())
		if err != nil || len(fs) > 0 {
			t.Fatal(err, brief(fs))
		}
		return objs
	}
	mutate := func(objs []compile.Object) {
		spec := objs[0].Content["spec"].(map[string]any)
		spec["paused"] = false
		spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"] = "changed"
	}
	first := apply()
	want := copyObjects(first)
	for range 2 { // the first outcome kept, then a remembered one returned
		mutate(first)
		if first = apply(); !reflect.DeepEqual(first, want) {
			t.Fatalf("a later apply returned\n%v\nwant\n%v", first, want)
		}
	}
}

// A patch that cannot apply is reported the same when remembered.
func TestRememberedFailure(t *testing.T) {
	p := app.Patch{Target: app.PatchTarget{Kind: "Deployment"}, Patch: "- op: test\n  path: /spec/replicas\n  value: 5\n"}
	var got [][]string
	for range 2 {
		_, fs, err := Apply([]compile.Object{deployment("memo-fail")}, []app.Patch{p}, sourcemap.New())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, brief(fs))
	}
	if len(got[0]) == 0 || !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("findings: first %q, then %q", got[0], got[1])
	}
}

// The objects are told apart by their content, not their names only.
func TestMemoKeyIsTheContent(t *testing.T) {
	p := app.Patch{Patch: "x"}
	a, b := deployment("d"), deployment("d")
	b.Content["spec"].(map[string]any)["replicas"] = 3
	ka, _ := memoKey([]compile.Object{a}, p)
	kb, _ := memoKey([]compile.Object{b}, p)
	if ka == kb {
		t.Error("two contents share a key")
	}
}
