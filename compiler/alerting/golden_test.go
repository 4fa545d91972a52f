package alerting_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/internal/buildtest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from examples/reference")

// TestGolden builds examples/reference with the alerts output and compares
// its alerts/ files, for every environment, with testdata/golden. Run
// go test ./compiler/alerting -run TestGolden -update to rewrite them,
// then review the diff.
func TestGolden(t *testing.T) {
	res := buildtest.Build(t, "../../examples/reference/kiln.yaml", nil,
		build.Options{Emit: build.Artifacts{Alerts: true}, Alerting: alertingSettings()}, nil)
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	alerts := map[string][]byte{}
	for path, b := range files {
		if strings.HasPrefix(path, "alerts/") {
			alerts[path] = b
		}
	}
	if len(alerts) != 2*len(res.Envs) {
		t.Fatalf("%d files for %d environments: %v", len(alerts), len(res.Envs), alerts)
	}
	dir := filepath.Join("testdata", "golden", "reference")
	if *update {
		if err := emit.WriteTree(dir, alerts); err != nil {
			t.Fatal(err)
		}
		return
	}
	for path, got := range alerts {
		want, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from %s:\n%s", path, filepath.Join(dir, path), got)
		}
	}
	// Built again, byte for byte the same.
	again, err := emit.Files(buildtest.Build(t, "../../examples/reference/kiln.yaml", nil,
		build.Options{Emit: build.Artifacts{Alerts: true}, Alerting: alertingSettings()}, nil))
	if err != nil {
		t.Fatal(err)
	}
	for path, b := range alerts {
		if string(again[path]) != string(b) {
			t.Errorf("%s differs between two builds", path)
		}
	}
}
