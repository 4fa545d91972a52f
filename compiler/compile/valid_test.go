package compile_test

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/validate"
)

// TestEveryNewFieldValidates compiles an app with every field of the pod
// this package writes (named ports, probe timings, a startup probe, drain,
// sidecars, init containers, pull secrets) with native sidecars and
// without, and checks each object against the Kubernetes schema and the
// API server's rules kiln knows.
func TestEveryNewFieldValidates(t *testing.T) {
	v, err := validate.For("")
	if err != nil {
		t.Fatal(err)
	}
	res := app.Resources{CPU: "20m", Memory: "32Mi"}
	a := &app.App{
		APIVersion: "kiln.dev/v1alpha1", Kind: "App",
		Metadata: app.Metadata{Name: "a", Owner: "team-a"},
		Spec: app.Spec{Image: "nginx:1.27", Port: 8080, Protocol: "http",
			Ports:     map[string]app.Port{"metrics": {Port: 9090, Protocol: "TCP"}, "dns": {Port: 5353, Protocol: "UDP"}},
			Health:    app.Health{Liveness: "/healthz", Readiness: "/readyz", StartupSeconds: 90, PeriodSeconds: 5, TimeoutSeconds: 2, FailureThreshold: 4},
			Resources: app.Resources{CPU: "100m", Memory: "128Mi"},
			Shutdown:  &app.Shutdown{DrainSeconds: ptr(int64(10)), GracePeriodSeconds: ptr(int64(40))},
			Sidecars: []app.Container{{Name: "shipper", Image: "fluent-bit:3.1", Resources: res,
				Ports: map[string]app.Port{"fb-http": {Port: 2020, Protocol: "TCP"}}, Env: map[string]string{"A": "b"}}},
			InitContainers:   []app.Container{{Name: "migrate", Image: "migrate:4.17", Command: []string{"/migrate"}, Resources: res}},
			ImagePullSecrets: []string{"registry"},
			SLA:              &app.SLA{Availability: 99.9, Window: "30d", Monitoring: app.Monitoring{Path: "/metrics", Labels: map[string]string{"release": "x"}}},
		},
	}
	for _, kube := range []string{"1.28", "1.37"} {
		r, err := compile.Compile(a, compile.Options{KubeVersion: kube, SLO: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) > 0 {
			t.Errorf("%s: findings %+v", kube, r.Findings)
		}
		for _, o := range r.Objects {
			for _, viol := range v.Validate(o) {
				t.Errorf("%s: %s: %s", kube, o.Key(), viol)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
