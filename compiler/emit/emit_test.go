package emit

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWriteTreeReplacesWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "app")
	if err := WriteTree(dir, map[string][]byte{"rendered/staging.yaml": []byte("a"), "base/x.yaml": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTree(dir, map[string][]byte{"rendered/prod.yaml": []byte("c")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rendered/staging.yaml")); !os.IsNotExist(err) {
		t.Error("a file of the previous build survived")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rendered/prod.yaml")); string(b) != "c" {
		t.Errorf("prod.yaml = %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("temporary directories left behind: %v", entries)
	}
}

func TestDiffEscapesKeysAndReplacesResizedLists(t *testing.T) {
	a := map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "a", "gone": "x"}, "list": []any{1, 2}, "same": []any{1}}
	b := map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "b", "new": "y"}, "list": []any{1, 2, 3}, "same": []any{int64(1)}}
	want := []op{
		{Op: "replace", Path: "/labels/app.kubernetes.io~1name", Value: "b"},
		{Op: "remove", Path: "/labels/gone"},
		{Op: "add", Path: "/labels/new", Value: "y"},
		{Op: "replace", Path: "/list", Value: []any{1, 2, 3}},
	}
	if got := diff("", a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("diff =\n%v\nwant\n%v", got, want)
	}
}
