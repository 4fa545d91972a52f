package dockerfile_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/dockerfile"
)

// The generated Dockerfile exposes the app's named ports beside its
// primary one (UDP ones as such), and the dockerfile-expose guardrail
// accepts it, for an app with a primary port and for a worker without.
func TestNamedPortsAreExposed(t *testing.T) {
	ports := map[string]app.Port{"metrics": {Port: 9090, Protocol: "TCP"}, "dns": {Port: 5353, Protocol: "UDP"}}
	for _, tc := range []struct {
		protocol string
		port     int
		want     string
	}{
		{"http", 8080, "EXPOSE 8080 5353/udp 9090\n"},
		{"none", 0, "EXPOSE 5353/udp 9090\n"},
	} {
		a := &app.App{Metadata: app.Metadata{Name: "a"}, Spec: app.Spec{Protocol: tc.protocol, Port: tc.port, Ports: ports, RunAs: nonroot,
			Build: &app.Build{Language: "go", Version: "1.26", Main: "./cmd/a"}}}
		b, err := dockerfile.Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: want %q in\n%s", tc.protocol, tc.want, b)
		}
		if got := exposeFindings(t, a, b); len(got) > 0 {
			t.Errorf("%s: dockerfile-expose findings %v for\n%s", tc.protocol, got, b)
		}
	}
}

func exposeFindings(t *testing.T, a *app.App, src []byte) []string {
	t.Helper()
	raw, _ := json.Marshal(a)
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range guardFindings(t, in, src) {
		if f.Rule.ID == "dockerfile-expose" {
			got = append(got, f.Message)
		}
	}
	return got
}
