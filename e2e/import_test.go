package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/objdiff"
	"github.com/kilnhq/kiln/compiler/source"
)

// TestImportIgnoresOnlyTheServersDefaults: kiln import compares its
// build with the input leaving out the defaults the API server adds
// (compiler/importer's table). The server itself proves the table: each
// object of the real public fixtures, sent as a dry run, comes back with
// the server's defaults filled in, and importer.Normalize must make the
// two the same. A default the table lacks shows as a difference here; a
// default it invents would hide a real change from kiln import --check.
func TestImportIgnoresOnlyTheServersDefaults(t *testing.T) {
	files, _ := filepath.Glob("../compiler/importer/testdata/fixtures/*/*.yaml")
	checked := 0
	for _, name := range files {
		if strings.Contains(name, "podinfo-chart") || filepath.Base(name) == "kustomization.yaml" {
			continue // a chart's templates, kustomize's own file: no objects as they are
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		objs, _, ds := importer.Read(source.NewFile(name, data))
		if ds.HasErrors() {
			t.Fatalf("%s: %v", name, ds)
		}
		for _, o := range objs {
			kind := o.Key.APIVersion + "/" + o.Key.Kind
			if _, ok := resources[kind]; !ok {
				t.Logf("%s: %s %s: the e2e lane does not know where it goes; left out", name, kind, o.Key.Name)
				continue
			}
			stored := defaulted(t, o.Value)
			if stored == nil {
				continue
			}
			checked++
			for _, c := range objdiff.Objects([]map[string]any{importer.Normalize(o.Value)}, []map[string]any{importer.Normalize(stored)}) {
				for _, f := range c.Fields {
					if strings.HasSuffix(f.Path, ".nodePort") {
						continue // an allocation of the cluster's, not a default: kiln import carries one as written
					}
					t.Errorf("%s: %s %s: %s is %v as written and %v as the server stores it: the defaults table does not cover it",
						name, o.Key.Kind, o.Key.Name, f.Path, f.Old, f.New)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d objects were checked; the fixtures hold more", checked)
	}
}

// defaulted is obj as the API server would store it: created as a dry
// run, whose answer is the object with its defaults.
func defaulted(t *testing.T, obj map[string]any) map[string]any {
	t.Helper()
	path, err := theCluster.pathOf(obj)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	status, b, err := theCluster.do(http.MethodPost, path+"?dryRun=All", body)
	if err != nil || status != http.StatusCreated {
		t.Errorf("the API server refuses %v: %d %s %v", obj["metadata"], status, b, err)
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
