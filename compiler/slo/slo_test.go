package slo

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/app"
)

// The SRE workbook's factors for a 30-day window, scaled to 28 and 7 days
// by the budget share each window may spend, and never below 1.
func TestBurnRates(t *testing.T) {
	const day = 24 * time.Hour
	for _, c := range []struct {
		window time.Duration
		want   []float64 // page 1h, page 6h, ticket 3d
	}{
		{30 * day, []float64{14.4, 6, 1}},
		{28 * day, []float64{13.44, 5.6, 1}}, // the ticket would be 0.93
		{7 * day, []float64{3.36, 1.4, 1}},   // the ticket would be 0.23
	} {
		var got []float64
		for _, al := range Alerts {
			for _, w := range al.Windows {
				got = append(got, BurnRate(w, c.window))
			}
		}
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("%v window: burn rates %v, want %v", c.window, got, c.want)
				break
			}
		}
	}
}

// One page and one ticket per objective, not one alert per window, and
// a ticket when the latency histogram has no bucket at the objective.
func TestTwoAlertsPerObjective(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "checkout", Owner: "team-a"}, Spec: app.Spec{Protocol: "http",
		SLA: &app.SLA{Availability: 99.9, Window: "30d", Latency: &app.Latency{P99: "300ms"}}}}
	m, _, err := Metrics(a, "prod")
	if err != nil {
		t.Fatal(err)
	}
	groups, err := Groups(a, "prod", m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				got = append(got, r.Alert+"/"+r.Labels["severity"]+"/"+r.Labels[LabelSLO])
			}
		}
	}
	want := "CheckoutErrorBudgetBurn/page/availability CheckoutErrorBudgetBurn/ticket/availability " +
		"CheckoutLatencyP99BudgetBurn/page/latency-p99 CheckoutLatencyP99BudgetBurn/ticket/latency-p99 CheckoutLatencyBucketMissing/ticket/latency-p99"
	if strings.Join(got, " ") != want {
		t.Errorf("alerts:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

// Every selector is scoped to the environment, the app's own too.
func TestMetricsScopedToEnvironment(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "q"}, Spec: app.Spec{Protocol: "tcp", SLA: &app.SLA{
		Availability: 99, Window: "30d", Metrics: &app.SLIMetrics{
			Total: `queue_ops_total{job="queue"}`, Errors: `queue_ops_failed_total{kiln_env="",job="queue"}`}}}}
	m, ok, err := Metrics(a, "staging")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if m.Total != `queue_ops_total{job="queue",kiln_env="staging"}` {
		t.Errorf("total: %s", m.Total)
	}
	// A selector that already says which kiln_env it means keeps it.
	if m.Errors != `queue_ops_failed_total{job="queue",kiln_env=""}` {
		t.Errorf("errors: %s", m.Errors)
	}
	for _, bad := range []string{`sum(x)`, `x[5m]`, `x offset 1h`, `x{`} {
		a.Spec.SLA.Metrics.Total = bad
		if _, _, err := Metrics(a, "prod"); err == nil || !strings.Contains(err.Error(), "sla.metrics.total") {
			t.Errorf("%s: %v", bad, err)
		}
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
			SLA: &app.SLA{Availability: 99.95, Window: "4w"}}},
		{Metadata: app.Metadata{Name: "queue", Owner: "team-c"}, Spec: app.Spec{Protocol: "tcp",
			SLA: &app.SLA{Availability: 99, Window: "7d", Metrics: &app.SLIMetrics{
				Total: `queue_ops_total{job="queue"}`, Errors: `queue_ops_failed_total{job="queue"}`}}}},
	}
	for _, a := range apps {
		m, ok, err := Metrics(a, "prod")
		if !ok || err != nil {
			t.Fatalf("%s: no metrics: %v", a.Metadata.Name, err)
		}
		groups, err := Groups(a, "prod", m)
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

// The latency buckets are kiln's to pick.
func TestLatencyBucketWithoutLe(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "checkout"}, Spec: app.Spec{Protocol: "http", SLA: &app.SLA{
		Availability: 99.9, Window: "30d", Latency: &app.Latency{P99: "300ms"},
		Metrics: &app.SLIMetrics{LatencyBucket: `h_bucket{le="0.3"}`}}}}
	m, _, err := Metrics(a, "prod")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Groups(a, "prod", m)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "latencyBucket" || !strings.Contains(err.Error(), "matches on le") {
		t.Errorf("got %v", err)
	}
}

func TestTCPNeedsMetrics(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "q"}, Spec: app.Spec{Protocol: "tcp", SLA: &app.SLA{Availability: 99, Window: "30d"}}}
	if _, ok, _ := Metrics(a, "prod"); ok {
		t.Error("a tcp app without sla.metrics has metrics")
	}
}

// Each series is recorded once, whatever the window: a window of 3d is
// also one of the alerts' ranges (promtool check rules warns of a
// duplicate rule, whose two groups would race).
func TestEachSeriesIsRecordedOnce(t *testing.T) {
	for _, window := range []string{"3d", "7d", "30d"} {
		a := &app.App{Metadata: app.Metadata{Name: "web", Owner: "team-a"}, Spec: app.Spec{Protocol: "http",
			SLA: &app.SLA{Availability: 99.9, Window: window, Latency: &app.Latency{P99: "300ms"}}}}
		m, _, err := Metrics(a, "prod")
		if err != nil {
			t.Fatal(err)
		}
		groups, err := Groups(a, "prod", m)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Record == "" {
					continue
				}
				key := r.Record + " " + r.Labels[LabelSLO]
				if seen[key] {
					t.Errorf("window %s: %s recorded twice", window, key)
				}
				seen[key] = true
			}
		}
	}
}
