package slo

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/app"
)

// The SRE workbook's factors for a 30-day window.
func TestBurnRates(t *testing.T) {
	want := []float64{14.4, 6, 3, 1}
	for i, al := range Alerts {
		if got := BurnRate(al, 30*24*time.Hour); math.Abs(got-want[i]) > 1e-9 {
			t.Errorf("%s/%s: burn rate %v, want %v", al.Long, al.Short, got, want[i])
		}
	}
	if got := BurnRate(Alerts[0], 7*24*time.Hour); math.Abs(got-3.36) > 1e-9 {
		t.Errorf("7d window: %v, want 3.36", got)
	}
}

// TestRulesPassPrometheusRuleChecker runs the generated groups through
// Prometheus' own rule file parser and checker (what promtool check rules
// uses): PromQL, names, labels and templates.
func TestRulesPassPrometheusRuleChecker(t *testing.T) {
	apps := []*app.App{
		{Metadata: app.Metadata{Name: "checkout", Owner: "team-a"}, Spec: app.Spec{Protocol: "http",
			SLA: &app.SLA{Availability: 99.9, Window: "30d", Latency: &app.Latency{P50: "50ms", P90: "1s", P95: "2s", P99: "300ms"}}}},
		{Metadata: app.Metadata{Name: "search-api", Owner: "team-b"}, Spec: app.Spec{Protocol: "grpc",
			SLA: &app.SLA{Availability: 99.95, Window: "28d"}}},
		{Metadata: app.Metadata{Name: "queue", Owner: "team-c"}, Spec: app.Spec{Protocol: "tcp",
			SLA: &app.SLA{Availability: 99, Window: "7d", Metrics: &app.SLIMetrics{
				Total: `queue_ops_total{job="queue"}`, Errors: `queue_ops_failed_total{job="queue"}`}}}},
	}
	for _, a := range apps {
		m, ok := Metrics(a)
		if !ok {
			t.Fatalf("%s: no metrics", a.Metadata.Name)
		}
		groups, err := Groups(a, m)
		if err != nil {
			t.Fatal(err)
		}
		file, err := yaml.Marshal(map[string]any{"groups": groups})
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := rulefmt.Parse(file, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil); len(errs) > 0 {
			t.Errorf("%s: Prometheus rejects the rules: %v\n%s", a.Metadata.Name, errs, file)
		}
	}
}

func TestTCPNeedsMetrics(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "q"}, Spec: app.Spec{Protocol: "tcp", SLA: &app.SLA{Availability: 99, Window: "30d"}}}
	if _, ok := Metrics(a); ok {
		t.Error("a tcp app without sla.metrics has metrics")
	}
}
