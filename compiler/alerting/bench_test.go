package alerting_test

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// BenchmarkBuild measures what the alerts output adds to a build of
// examples/reference (two environments): the manifests alone, then with
// the alerts output, in one run.
func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct {
		name string
		emit build.Artifacts
	}{
		{"manifests", build.Artifacts{K8s: true}},
		{"manifests+alerts", build.Artifacts{K8s: true, Alerts: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				buildtest.Build(b, "../../examples/reference/kiln.yaml", nil, build.Options{Emit: c.emit}, nil)
			}
		})
	}
}
