package load

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// A YAML syntax error is at the line where the file stops being YAML, also
// for the errors yaml.v3 counts from 0 (an unclosed flow mapping, a key
// indented wrongly).
func TestYAMLSyntaxErrorLine(t *testing.T) {
	for src, want := range map[string]int{
		"apiVersion: kiln.dev/v1alpha1\nkind: App\nspec:\n  image: nginx\n  env: {A: \"1\"\n  port: 80\n": 5,
		"apiVersion: kiln.dev/v1alpha1\nkind: App\nspec:\n  image: nginx\n port: 80\n":                    5,
		"apiVersion: kiln.dev/v1alpha1\nkind: App\nspec: a: b\n":                                          3,
	} {
		_, ds := Load(source.NewFile("kiln.yaml", []byte(src)), Options{})
		if len(ds) != 1 || ds[0].Code != "load/yaml-syntax" {
			t.Fatalf("%q: %v", src, ds)
		}
		if line, _ := ds[0].Pos.LineCol(); line != want {
			t.Errorf("%q: line %d (%s), want %d", src, line, ds[0].Message, want)
		}
	}
}
