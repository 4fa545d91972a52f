package importer_test

import (
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/source"
)

// podinfo's kustomization (testdata/fixtures/podinfo), built by
// kustomize's own API as kustomize build writes it, imports with its
// round trip proven, as the directory itself does.
func TestKustomizeBuildOfPodinfo(t *testing.T) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), "testdata/fixtures/podinfo")
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	r, ds := importer.Files([]*source.File{source.NewFile("kustomize-build.yaml", out)}, options(t, "team-podinfo"))
	if e := errorsOf(ds); e != "" || r == nil || len(r.Apps) != 1 {
		t.Fatalf("import failed:\n%s\n%s", e, out)
	}
	a := r.Apps[0]
	if !r.Proven() || len(a.Objects) != 3 {
		t.Errorf("%d objects, lost %+v, dropped %d", len(a.Objects), a.Lost, len(r.Dropped))
	}
}
