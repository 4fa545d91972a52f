package sourcemap

import (
	"maps"
	"slices"
	"testing"

	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// TestInsideReadsPathsInTheOneGrammar: the fields inside a field are
// found by their steps, so a quoted key's dots are no separators and a
// field may be spelled either way the grammar allows.
func TestInsideReadsPathsInTheOneGrammar(t *testing.T) {
	m := New()
	obj := ObjectKey("Deployment", "shop")
	for _, f := range []string{"metadata.annotations", `metadata.annotations["a.b/c"]`, `metadata.annotations["a.b/c"].x`, "metadata.annotationsx", "spec.replicas"} {
		m.Set(obj, f, "spec")
	}
	for field, want := range map[string][]string{
		"metadata.annotations":          {`metadata.annotations["a.b/c"]`, `metadata.annotations["a.b/c"].x`},
		`metadata["annotations"]`:       {`metadata.annotations["a.b/c"]`, `metadata.annotations["a.b/c"].x`},
		`metadata.annotations["a.b/c"]`: {`metadata.annotations["a.b/c"].x`},
		`metadata.annotations["a.b"]`:   nil,
		"":                              {"metadata.annotations", `metadata.annotations["a.b/c"]`, `metadata.annotations["a.b/c"].x`, "metadata.annotationsx", "spec.replicas"},
	} {
		if got := m.Inside(obj, field); !slices.Equal(got, want) {
			t.Errorf("Inside(%s) = %q, want %q", field, got, want)
		}
	}
}

// Inside is, for any two paths, valid or not, spelled either way, what
// its definition says: the recorded fields f with Within(f, field) and
// not Within(field, f).
func TestInsideIsStrictlyWithin(t *testing.T) {
	paths := []string{"", "a", "a.b", `a["b"]`, "a.b.c", `a["b"].c`, "a.b[0]", "a.b[0].c", "a.b[name=x]", "a.b[name=x].c", "a.bc",
		`a["b.c"]`, `a["b.c"].d`, "a..b", "x]", `a."b"`, "a[", "b", "b.a"}
	m := New()
	obj := ObjectKey("Deployment", "shop")
	for _, f := range paths {
		m.Set(obj, f, "spec")
	}
	for _, field := range paths {
		var want []string
		for _, f := range slices.Sorted(maps.Keys(m.objects[obj])) {
			if f != "" && fieldpath.Within(f, field) && !fieldpath.Within(field, f) {
				want = append(want, f)
			}
		}
		if got := m.Inside(obj, field); !slices.Equal(got, want) {
			t.Errorf("Inside(%q) = %q, want %q", field, got, want)
		}
	}
}
