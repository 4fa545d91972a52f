package slo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/internal/buildtest"
	"github.com/kilnhq/kiln/internal/toolcheck"
)

// TestPromtool runs Prometheus' rule unit tests (promtool test rules) on
// the rules kiln builds: each directory of testdata/promtool holds an app
// (kiln.yaml) and a promtool test file (test.yaml) that feeds input series
// to the rules of all its environments at once, as one Prometheus would
// load them (rules-<env>.yaml), and states the alerts that must fire and
// the series that must be recorded.
func TestPromtool(t *testing.T) {
	promtool := needPromtool(t)
	cases, _ := filepath.Glob("testdata/promtool/*/kiln.yaml")
	if len(cases) < 2 {
		t.Fatalf("no cases: %v", cases)
	}
	for _, def := range cases {
		name := filepath.Base(filepath.Dir(def))
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for env, rules := range buildRules(t, def) {
				file := filepath.Join(dir, "rules-"+env+".yaml")
				if err := os.WriteFile(file, rules, 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
					t.Errorf("promtool check rules %s: %v\n%s\n%s", env, err, out, rules)
				}
			}
			test, err := os.ReadFile(filepath.Join(filepath.Dir(def), "test.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "test.yaml"), test, 0o644)
			cmd := exec.Command(promtool, "test", "rules", "test.yaml")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("promtool test rules %s: %v\n%s", filepath.Join(filepath.Dir(def), "test.yaml"), err, out)
			}
		})
	}
}

// buildRules builds the app at def with the SLO output and returns each
// environment's PrometheusRule spec, as a Prometheus rule file.
func buildRules(t *testing.T, def string) map[string][]byte {
	t.Helper()
	res := buildtest.Build(t, def, nil, build.Options{Emit: build.Artifacts{K8s: true, SLO: true}}, nil)
	out := map[string][]byte{}
	for _, env := range res.Envs {
		for _, o := range env.Objects {
			if o.Kind != "PrometheusRule" {
				continue
			}
			b, err := yaml.Marshal(o.Content["spec"])
			if err != nil {
				t.Fatal(err)
			}
			out[env.Name] = b
		}
	}
	if len(out) != len(res.Envs) {
		t.Fatalf("%d environments, %d PrometheusRules", len(res.Envs), len(out))
	}
	return out
}

// needPromtool returns promtool's path. Without it the test says loudly
// that it skipped, and fails under CI=true, where .ci/run installs it.
func needPromtool(t *testing.T) string {
	t.Helper()
	p := toolcheck.Command(t, "promtool", "Debian: apt-get install prometheus", "the rules, with Prometheus' rule unit tests,")
	if out, err := exec.Command(p, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), "promtool") {
		t.Fatalf("%s --version: %v\n%s", p, err, out)
	}
	return p
}
