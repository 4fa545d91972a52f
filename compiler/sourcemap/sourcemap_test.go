package sourcemap

import (
	"slices"
	"testing"
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
