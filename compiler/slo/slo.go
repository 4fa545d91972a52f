// Package slo turns an app's SLA into Prometheus rules: recording rules for
// the error ratio over several windows, and the multi-window, multi-burn-rate
// alerts of the Google SRE workbook ("Alerting on SLOs"), which page when
// the error budget burns fast and open a ticket when it burns slowly. A
// latency alert is added for each latency objective.
package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kilnhq/kiln/compiler/app"
)

// An Alert is one row of the workbook's burn-rate table: alert when the
// error budget burns at least Factor times as fast as the SLA allows, over
// both the long and the short window. The short window makes the alert stop
// soon after the burning stops.
type Alert struct {
	Long, Short string  // windows
	Budget      float64 // share of the whole window's error budget the long window may burn
	Severity    string  // page or ticket
}

// Alerts is the SRE workbook's recommended table. With a 30-day window the
// burn-rate factors are 14.4, 6, 3 and 1; for another window they scale so
// that each alert still fires when the same share of the budget is spent.
var Alerts = []Alert{
	{Long: "1h", Short: "5m", Budget: 0.02, Severity: "page"},
	{Long: "6h", Short: "30m", Budget: 0.05, Severity: "page"},
	{Long: "1d", Short: "2h", Budget: 0.10, Severity: "ticket"},
	{Long: "3d", Short: "6h", Budget: 0.10, Severity: "ticket"},
}

// Metrics returns the series an app's SLA is measured with: sla.metrics
// where given, else the conventional metrics of its protocol, selected by
// job="<app>". ok is false when neither gives total and errors (tcp).
func Metrics(a *app.App) (m app.SLIMetrics, ok bool) {
	job := fmt.Sprintf(`job=%q`, a.Metadata.Name)
	switch a.Spec.Protocol {
	case "http":
		m = app.SLIMetrics{
			Total:         "http_requests_total{" + job + "}",
			Errors:        "http_requests_total{" + job + `,code=~"5.."}`,
			LatencyBucket: "http_request_duration_seconds_bucket{" + job + "}",
		}
	case "grpc":
		m = app.SLIMetrics{
			Total:         "grpc_server_handled_total{" + job + "}",
			Errors:        "grpc_server_handled_total{" + job + `,grpc_code=~"Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"}`,
			LatencyBucket: "grpc_server_handling_seconds_bucket{" + job + "}",
		}
	}
	if o := a.Spec.SLA.Metrics; o != nil {
		m.Total = or(o.Total, m.Total)
		m.Errors = or(o.Errors, m.Errors)
		m.LatencyBucket = or(o.LatencyBucket, m.LatencyBucket)
	}
	return m, m.Total != "" && m.Errors != ""
}

// A Group is a Prometheus rule group, as the PrometheusRule CRD and
// Prometheus' rule files both write it.
type Group struct {
	Name  string `json:"name"`
	Rules []Rule `json:"rules"`
}

// A Rule is a recording or alerting rule.
type Rule struct {
	Record      string            `json:"record,omitempty"`
	Alert       string            `json:"alert,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Groups returns the rule groups of a's SLA (a must have one).
func Groups(a *app.App, m app.SLIMetrics) ([]Group, error) {
	sla := a.Spec.SLA
	window, err := model.ParseDuration(sla.Window)
	if err != nil {
		return nil, fmt.Errorf("sla.window: %v", err)
	}
	name := a.Metadata.Name
	budget := 1 - sla.Availability/100
	labels := map[string]string{"app": name}
	sel := fmt.Sprintf(`{app=%q}`, name)

	rec := Group{Name: name + "-slo-recording"}
	windows := map[string]bool{}
	for _, al := range Alerts {
		windows[al.Long], windows[al.Short] = true, true
	}
	for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		if !windows[w] {
			continue
		}
		rec.Rules = append(rec.Rules, Rule{
			Record: "kiln:sli_error:ratio_rate" + w,
			Expr:   fmt.Sprintf("sum(rate(%s[%s])) / sum(rate(%s[%s]))", m.Errors, w, m.Total, w),
			Labels: labels,
		})
	}

	alerts := Group{Name: name + "-slo-alerts"}
	for _, al := range Alerts {
		factor := BurnRate(al, time.Duration(window))
		threshold := strconv.FormatFloat(factor*budget, 'g', 6, 64)
		alerts.Rules = append(alerts.Rules, Rule{
			Alert: fmt.Sprintf("%sErrorBudgetBurn%s", camel(name), strings.ToUpper(al.Long)),
			Expr: fmt.Sprintf("kiln:sli_error:ratio_rate%s%s > %s and kiln:sli_error:ratio_rate%s%s > %s",
				al.Long, sel, threshold, al.Short, sel, threshold),
			Labels: map[string]string{"app": name, "severity": al.Severity, "owner": a.Metadata.Owner},
			Annotations: map[string]string{
				"summary": fmt.Sprintf("%s is burning its error budget %.3gx too fast (%s and %s windows)", name, factor, al.Long, al.Short),
				"description": fmt.Sprintf("At this rate %s spends %.0f%% of its %s error budget (availability %g%%) in %s.",
					name, al.Budget*100, sla.Window, sla.Availability, al.Long),
			},
		})
	}
	if lat := sla.Latency; lat != nil && m.LatencyBucket != "" {
		for _, q := range []struct {
			p, target string
			quantile  float64
		}{{"p50", lat.P50, 0.5}, {"p90", lat.P90, 0.9}, {"p95", lat.P95, 0.95}, {"p99", lat.P99, 0.99}} {
			if q.target == "" {
				continue
			}
			d, err := model.ParseDuration(q.target)
			if err != nil {
				return nil, fmt.Errorf("sla.latency.%s: %v", q.p, err)
			}
			alerts.Rules = append(alerts.Rules, Rule{
				Alert: fmt.Sprintf("%sLatency%s", camel(name), strings.ToUpper(q.p)),
				Expr: fmt.Sprintf("histogram_quantile(%g, sum by (le) (rate(%s[5m]))) > %g",
					q.quantile, m.LatencyBucket, time.Duration(d).Seconds()),
				For:    "15m",
				Labels: map[string]string{"app": name, "severity": "ticket", "owner": a.Metadata.Owner},
				Annotations: map[string]string{
					"summary": fmt.Sprintf("%s %s latency is above its objective of %s", name, q.p, q.target),
				},
			})
		}
	}
	return []Group{rec, alerts}, nil
}

// BurnRate is the factor by which the error budget must burn faster than
// sustainable for al to fire: the share of budget al allows in its long
// window, scaled from that window to the whole SLA window.
func BurnRate(al Alert, window time.Duration) float64 {
	long, _ := model.ParseDuration(al.Long)
	return al.Budget * window.Hours() / time.Duration(long).Hours()
}

// camel turns an app name into the start of an alert name: check-out → CheckOut.
func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func or(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}
