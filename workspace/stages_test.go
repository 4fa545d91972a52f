package workspace

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/engine/enginetest"
	"github.com/kilnhq/kiln/compiler/source"
)

// Every field of every stage's input is in its key: a field added to an
// input and left out of the key would make the cache answer a changed
// app with its old result. The samples fill every field, so that the
// check can change each.
func TestStageInputsAreFullyKeyed(t *testing.T) {
	file := func(name string) *source.File { return source.NewFile(name, []byte("content of "+name)) }
	app := appIn{Shared: []byte{1}, Definition: file("kiln.yaml"), Root: "/repo", ReadError: "denied", Dockerfile: file("Dockerfile"),
		DockerfileErrors: []string{"too large"}, Day: "2026-12-06"}
	for _, sample := range []any{
		sharedIn{KubeVersion: "1.37", KubeVersions: map[string]string{"prod": "1.35"}, NoPolicy: true, Namespaces: "main", Config: file(".kiln/config.yaml"),
			Policies: []byte{2}, Data: map[string][]byte{"d.yaml": []byte("a: 1")}},
		rulesIn{Sources: []byte{3}, Config: file(".kiln/config.yaml"), Namespaces: []string{"main"}, AllNamespaces: true},
		app,
		checkIn{App: app, Tests: map[string]string{"kiln_test.yaml": "abc"}, Snapshots: map[string]string{"kiln_test.yaml": "def"},
			Committed: map[string]string{"rendered/prod.yaml": "123"}, Leftovers: []string{".a.new-1"}},
		buildIn{App: app, Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, Helm: true, SLO: true}, Env: "prod"},
		testFileIn{Shared: []byte{1}, Definition: file("kiln.yaml"), Root: "/repo", Deps: map[string]string{"lib.libsonnet": "abc"},
			Dockerfile: file("Dockerfile"), Test: file("kiln_test.yaml"), Snapshot: "missing", Day: "2026-12-06"},
		editorBuildIn{Shared: []byte{1}, Definition: file("kiln.yaml"), Root: "/repo", Dockerfile: file("Dockerfile")},
	} {
		enginetest.CheckKeyed(t, sample)
	}
}
