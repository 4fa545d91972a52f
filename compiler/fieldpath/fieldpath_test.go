package fieldpath

import (
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for s, elems := range map[string][]string{
		"":                           nil,
		"spec":                       {"spec"},
		"spec.patches[0].target":     {"spec", "patches", "0", "target"},
		"a.b[0][1].c":                {"a", "b", "0", "1", "c"},
		"spec.containers[0].env[12]": {"spec", "containers", "0", "env", "12"},
	} {
		if got := Parse(s); !slices.Equal(got, elems) {
			t.Errorf("Parse(%q) = %q, want %q", s, got, elems)
		}
		if got := String(elems); got != s {
			t.Errorf("String(%q) = %q, want %q", elems, got, s)
		}
	}
}

func TestFromPointer(t *testing.T) {
	got := FromPointer("/metadata/labels/app.kubernetes.io~1name/bad%20name/~0x")
	want := []string{"metadata", "labels", "app.kubernetes.io/name", "bad name", "~x"}
	if !slices.Equal(got, want) {
		t.Errorf("FromPointer = %q, want %q", got, want)
	}
}

func TestResolve(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"b": 1}}}
	if v, ok := Resolve(doc, []string{"a", "0", "b"}); !ok || v != 1 {
		t.Errorf("Resolve = %v, %v", v, ok)
	}
	for _, p := range [][]string{{"a", "1"}, {"a", "x"}, {"z"}, {"a", "0", "b", "c"}} {
		if _, ok := Resolve(doc, p); ok {
			t.Errorf("Resolve(%q) found something", p)
		}
	}
}
