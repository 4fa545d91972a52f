package dashboard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// needPromtool returns promtool's path, or skips the test saying why; under
// CI=true a missing promtool fails the test instead.
func needPromtool(t *testing.T) string {
	t.Helper()
	return toolcheck.Command(t, "promtool", "Debian: apt-get install prometheus", "the dashboard's queries, evaluated by promtool,")
}

const twoEnvs = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: api, owner: team-api}
spec:
  image: registry.example.com/api@sha256:0000000000000000000000000000000000000000000000000000000000000000
  port: 8080
  resources: {cpu: 100m, memory: 128Mi}
  scaling: {min: 3, max: 6}
  sla: {availability: 99.9, window: 30d}
  environments:
    staging: {}
    prod: {}
`

// TestPanelsEvaluate loads both environments' rules into one Prometheus
// (promtool test rules), feeds it requests of which prod fails 1% and
// staging none, and evaluates the dashboards' own queries two hours in:
// each environment's panels show that environment's numbers — prod burns
// its 0.1% budget 10 times too fast and has spent it nine times over,
// staging burns nothing — so the queries read what the rules record, with
// labels that match.
func TestPanelsEvaluate(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	want := map[string]map[string]float64{ // panel title → value, per environment
		"prod":    {"SLI over 30d": 0.99, "Error budget remaining": -9, "Burn rate": 10, "Traffic": 100.0 / 60, "Errors": 0.01},
		"staging": {"SLI over 30d": 1, "Error budget remaining": 1, "Burn rate": 0, "Traffic": 50.0 / 60, "Errors": 0},
	}
	var ruleFiles []string
	var exprTests []map[string]any
	for _, b := range buildApp(t, "api/kiln.yaml", []byte(twoEnvs)) {
		file := "rules-" + b.env.Name + ".yaml"
		ruleFiles = append(ruleFiles, file)
		if err := os.WriteFile(filepath.Join(dir, file), ruleFile(t, b), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range parse(t, b).Panels {
			v, ok := want[b.env.Name][p.Title]
			if !ok || len(p.Targets) == 0 {
				continue
			}
			delete(want[b.env.Name], p.Title)
			expr := grafanaMacros.Replace(p.Targets[0].Expr) // the panel's first query: the 5m burn rate
			if strings.Contains(expr, " / on(") {
				// 1 - 0.999 is 0.0010000000000000009 in floating point.
				expr = "round(" + expr + ", 0.000001)"
			}
			exprTests = append(exprTests, map[string]any{
				"expr": expr, "eval_time": "2h",
				"exp_samples": []map[string]any{{"labels": resultLabels(expr), "value": v}},
			})
		}
		if len(want[b.env.Name]) > 0 {
			t.Fatalf("%s: no panels %v", b.name, want[b.env.Name])
		}
	}
	test := map[string]any{
		"rule_files":          ruleFiles,
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval": "1m",
			"input_series": []map[string]string{
				{"series": `http_requests_total{job="api",kiln_env="prod",code="200"}`, "values": "0+99x180"},
				{"series": `http_requests_total{job="api",kiln_env="prod",code="500"}`, "values": "0+1x180"},
				{"series": `http_requests_total{job="api",kiln_env="staging",code="200"}`, "values": "0+50x180"},
			},
			"promql_expr_test": exprTests,
		}},
	}
	raw, err := yaml.Marshal(test)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test.yaml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "test.yaml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s\n%s", err, out, raw)
	}
}

// ruleFile is the environment's PrometheusRule as a Prometheus rule file.
func ruleFile(t *testing.T, b built) []byte {
	t.Helper()
	for _, o := range b.env.Objects {
		if o.Kind == "PrometheusRule" {
			raw, err := yaml.Marshal(o.Content["spec"])
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
	}
	t.Fatalf("%s: no PrometheusRule", b.name)
	return nil
}

// resultLabels are the labels of the one sample expr returns: a recorded
// series as it is named, an aggregation none, and the burn rate (a
// recorded series divided by another) the labels of its left side.
func resultLabels(expr string) string {
	switch {
	case strings.HasPrefix(expr, "sum(") || strings.HasPrefix(expr, "(sum("):
		return "{}"
	case strings.Contains(expr, " / on("):
		sel := expr[:strings.Index(expr, " / on(")]
		sel = strings.TrimPrefix(sel, "round(")
		return sel[strings.Index(sel, "{"):]
	default:
		return expr
	}
}
