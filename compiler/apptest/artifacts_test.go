package apptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/source"
)

// Every output of kiln's registry is an artifact: a config test can
// select, with documents to assert on.
func TestEveryOutputIsATarget(t *testing.T) {
	src, err := os.ReadFile("../../examples/reference/kiln.yaml") // every output: spec.build, an SLA, environments
	if err != nil {
		t.Fatal(err)
	}
	tg := target(t, string(src))
	for _, a := range emit.Registry() {
		if a.Across { // built across apps: no config test of one app selects it
			continue
		}
		suite := "tests:\n  - it: sees " + a.Name + "\n    env: prod\n    asserts:\n      - hasDocuments: {count: 1}\n        artifact: " + a.TestName() + "\n"
		s, ds := Parse(source.NewFile(filepath.Join(filepath.Dir(tg.Doc.File.Name), "kiln_test.yaml"), []byte(suite)))
		if ds != nil {
			t.Errorf("artifact: %s: %v", a.TestName(), ds)
			continue
		}
		out, ds := buildCase(&s.Cases[0], tg, builds{})
		if ds != nil || out.errors != nil {
			t.Fatalf("%s: %v %v", a.Name, ds, out.errors)
		}
		if len(out.docs[a.TestName()]) == 0 {
			t.Errorf("artifact: %s selects no document", a.TestName())
		}
	}
}

func TestUnknownArtifactListsTheValidOnes(t *testing.T) {
	_, ds := Parse(source.NewFile("kiln_test.yaml", []byte("tests:\n  - it: a\n    asserts:\n      - exists: {path: spec}\n        artifact: k8s\n")))
	if len(ds) != 1 {
		t.Fatalf("diagnostics: %v", ds)
	}
	want := "artifact k8s is not one of " + strings.Join(emit.TestNames(), ", ")
	if ds[0].Message != want {
		t.Errorf("message %q, want %q", ds[0].Message, want)
	}
	if line, col := ds[0].Pos.LineCol(); line != 5 || col != 19 {
		t.Errorf("at %d:%d, want 5:19", line, col)
	}
}
