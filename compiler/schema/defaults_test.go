package schema

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

func TestDefault(t *testing.T) {
	var cpu int
	if !Default("spec.scaling.cpuTarget", &cpu) || cpu != 70 {
		t.Errorf("spec.scaling.cpuTarget: %d", cpu)
	}
	var release string
	if !Default("spec.sla.monitoring.labels.release", &release) || release != "kube-prometheus-stack" {
		t.Errorf("spec.sla.monitoring.labels.release: %q", release)
	}
	var sla struct {
		Window     string
		Monitoring struct{ Path string }
	}
	if !Default("spec.sla", &sla) || sla.Window != "30d" || sla.Monitoring.Path != "/metrics" {
		t.Errorf("spec.sla: %+v", sla)
	}
	var s string
	for _, p := range []string{"spec.image", "spec.sla.availability", "spec.nothing", "spec.build.version", "spec.scaling.cpuTarget.x"} {
		if Default(p, &s) {
			t.Errorf("%s has a default, %q", p, s)
		}
	}
}

// Every default Default gives is the one the generated JSON Schema states,
// which kiln explain and editors show.
func TestDefaultsAreTheJSONSchemas(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := prefix + k
			if sub, ok := m[k].(map[string]any); ok {
				walk(p+".", sub)
				continue
			}
			n++
			fd, err := s.Explain(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if fmt.Sprint(fd.Default) != fmt.Sprint(m[k]) {
				t.Errorf("%s: CUE's default %v, the JSON Schema's %v", p, m[k], fd.Default)
			}
		}
	}
	walk("", defaults())
	if n < 10 {
		t.Errorf("only %d defaults", n)
	}
}
