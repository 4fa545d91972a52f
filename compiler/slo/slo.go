// Package slo turns an app's SLA, in one environment, into Prometheus rules:
// recording rules for each objective's error ratio over several windows and
// over the whole SLA window, the error budget left, and the multi-window,
// multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs"):
// one alert that pages when the budget burns fast and one that opens a
// ticket when it burns slowly. Availability is one objective; each latency
// objective (p99: 300ms) is another, whose bad events are the requests
// slower than the objective, counted from the duration histogram's bucket.
//
// Every series the rules read is scoped to the app's environment, and every
// series they record and every alert carry kiln_app, kiln_env and kiln_slo,
// so that several environments in one Prometheus never mix.
package slo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/kilnhq/kiln/compiler/app"
)

// The labels kiln's series and alerts carry. LabelApp and LabelEnv are
// also put on every scraped series by kiln's ServiceMonitor.
const (
	LabelApp = "kiln_app" // the app's name
	LabelEnv = "kiln_env" // the environment's name
	LabelSLO = "kiln_slo" // availability, or latency-p99 and the like
)

// A Window is one row of the SRE workbook's table: alert when the long and
// the short window both burn the error budget fast enough to spend Budget
// of the whole SLA window's budget within the long window. The short window
// makes the alert stop soon after the burning stops.
type Window struct {
	Long, Short string
	Budget      float64 // share of the SLA window's error budget spent in the long window
}

// An Alert is one alert of an objective: it fires when any of its windows
// burns (the windows OR-ed), with its severity.
type Alert struct {
	Severity string
	Windows  []Window
}

// Alerts is the SRE workbook's recommended configuration (table 5-8): one
// page over 1h/5m (2% of the budget) or 6h/30m (5%), and one ticket over
// 3d/6h (10%). For a 30-day window the factors are 14.4, 6 and 1.
var Alerts = []Alert{
	{Severity: "page", Windows: []Window{{Long: "1h", Short: "5m", Budget: 0.02}, {Long: "6h", Short: "30m", Budget: 0.05}}},
	{Severity: "ticket", Windows: []Window{{Long: "3d", Short: "6h", Budget: 0.10}}},
}

// MinWindow is the shortest SLA window the alerts are made for: below it
// the page fires at or near the sustainable burn rate.
const MinWindow = 7 * 24 * time.Hour

// BurnRate is the factor by which the error budget must burn faster than
// sustainable for w to fire: the share of the budget w allows in its long
// window, scaled from that window to the whole SLA window. It is never
// below 1: a budget that burns slower than sustainable lasts the window,
// which no alert should be raised for. (With the workbook's table that
// floor only holds the ticket at 1 for windows under 30 days: 28d would
// give 0.93 and 7d 0.23.)
func BurnRate(w Window, window time.Duration) float64 {
	long, _ := model.ParseDuration(w.Long)
	return math.Max(1, w.Budget*window.Hours()/time.Duration(long).Hours())
}

// Metrics returns the series an app's SLA is measured with in environment
// env: sla.metrics where given, else the conventional metrics of its
// protocol, selected by job="<app>". Every selector is scoped to env by
// kiln_env="<env>", the label kiln's ServiceMonitor puts on what it scrapes,
// unless it already matches on kiln_env. ok is false when neither gives
// total and errors (tcp, none). The error names the field whose selector
// is not a PromQL series selector.
func Metrics(a *app.App, env string) (m app.SLIMetrics, ok bool, err error) {
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
	for _, f := range []struct {
		name string
		sel  *string
	}{{"total", &m.Total}, {"errors", &m.Errors}, {"latencyBucket", &m.LatencyBucket}} {
		if *f.sel == "" {
			continue
		}
		scoped, err := Scope(*f.sel, labels.MustNewMatcher(labels.MatchEqual, LabelEnv, env))
		if err != nil {
			return m, false, &FieldError{Field: f.name, Err: err}
		}
		*f.sel = scoped
	}
	return m, m.Total != "" && m.Errors != "", nil
}

// A FieldError is a selector of sla.metrics that is not a series selector,
// or a latency histogram's that picks its own buckets.
type FieldError struct {
	Field string // total, errors or latencyBucket
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("sla.metrics.%s is not a PromQL series selector kiln can use, such as http_requests_total{job=\"checkout\"}: %v", e.Field, e.Err)
}

// Scope adds the matchers to the series selector sel, but none on a label
// sel already matches on, and returns it as Prometheus prints it (matchers
// sorted by label).
func Scope(sel string, add ...*labels.Matcher) (string, error) {
	vs, err := selectorOf(sel)
	if err != nil {
		return "", err
	}
	for _, m := range add {
		if !matches(vs, m.Name) {
			vs.LabelMatchers = append(vs.LabelMatchers, m)
		}
	}
	return vs.String(), nil
}

// selectorOf parses sel, which must be a plain series selector.
func selectorOf(sel string) (*parser.VectorSelector, error) {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(sel)
	if err != nil {
		return nil, err
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return nil, fmt.Errorf("%q is a %s, not a plain series selector", sel, describe(expr))
	}
	return vs, nil
}

func matches(vs *parser.VectorSelector, label string) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name == label {
			return true
		}
	}
	return false
}

func describe(e parser.Expr) string {
	switch e.(type) {
	case *parser.VectorSelector:
		return "selector with a modifier"
	case *parser.MatrixSelector:
		return "range selector"
	default:
		return "PromQL expression"
	}
}

// A Group is a Prometheus rule group, as the PrometheusRule CRD and
// Prometheus' rule files both write it.
type Group struct {
	Name     string `json:"name"`
	Interval string `json:"interval,omitempty"`
	Rules    []Rule `json:"rules"`
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

// An objective is one SLO of the app: a share of good events to keep over
// the SLA window, and how to count the bad ones over a range.
type objective struct {
	id     string  // the kiln_slo label
	alert  string  // the alert name's middle: ErrorBudgetBurn, LatencyP99BudgetBurn
	target float64 // share of good events, e.g. 0.999
	what   string  // "99.9% of requests successful", for annotations
	// ratio is the PromQL of the bad events' share over range r.
	ratio func(r string) string
	// fast and all are a latency objective's bucket and the +Inf bucket.
	fast, all string
	bound     string // the objective in seconds, as le writes it
}

// Groups returns the rule groups of a's SLA in environment env, with the
// metrics m that Metrics returned (a must have an SLA).
func Groups(a *app.App, env string, m app.SLIMetrics) ([]Group, error) {
	sla := a.Spec.SLA
	w, err := model.ParseDuration(sla.Window)
	if err != nil {
		return nil, fmt.Errorf("sla.window: %v", err)
	}
	objs, err := objectives(sla, m)
	if err != nil {
		return nil, err
	}
	name := a.Metadata.Name
	rec := Group{Name: name + "-slo-recording"}
	// The whole window's ratio reads weeks of samples: evaluated every
	// five minutes, not at every rule evaluation.
	long := Group{Name: name + "-slo-window", Interval: "5m"}
	alerts := Group{Name: name + "-slo-alerts"}
	for _, o := range objs {
		lbl := map[string]string{LabelApp: name, LabelEnv: env, LabelSLO: o.id}
		sel := selector(lbl)
		for _, r := range ranges() {
			rec.Rules = append(rec.Rules, Rule{Record: "kiln:sli_error:ratio_rate" + r, Expr: o.ratio(r), Labels: lbl})
		}
		win := w.String() // canonical, as PromQL writes ranges: 30d, 4w
		budget := 1 - o.target
		if !slices.Contains(ranges(), win) { // a window of 3d is recorded with the alerts' ranges already
			long.Rules = append(long.Rules, Rule{Record: "kiln:sli_error:ratio_rate" + win, Expr: o.ratio(win), Labels: lbl})
		}
		long.Rules = append(long.Rules,
			Rule{Record: "kiln:sli:ratio_rate" + win, Expr: "1 - kiln:sli_error:ratio_rate" + win + sel, Labels: lbl},
			Rule{Record: "kiln:slo_objective:ratio", Expr: "vector(" + num(o.target) + ")", Labels: lbl},
			Rule{Record: "kiln:slo_error_budget_remaining:ratio",
				Expr: "1 - kiln:sli_error:ratio_rate" + win + sel + " / " + num(budget), Labels: lbl},
		)
		for _, al := range Alerts {
			alerts.Rules = append(alerts.Rules, alertRule(a, o, al, time.Duration(w), sel, lbl))
		}
		if o.fast != "" {
			alerts.Rules = append(alerts.Rules, noBucket(a, o, lbl))
		}
	}
	return []Group{rec, long, alerts}, nil
}

// ranges are the windows the alerts read, shortest first.
func ranges() []string {
	seen := map[string]bool{}
	for _, al := range Alerts {
		for _, w := range al.Windows {
			seen[w.Long], seen[w.Short] = true, true
		}
	}
	var out []string
	for _, r := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out
}

// alertRule is al for objective o: any of its windows, the long and the
// short one both above the burn-rate threshold.
func alertRule(a *app.App, o objective, al Alert, window time.Duration, sel string, lbl map[string]string) Rule {
	name, sla := a.Metadata.Name, a.Spec.SLA
	budget := 1 - o.target
	var terms, burns []string
	for _, w := range al.Windows {
		factor := BurnRate(w, window)
		threshold := num(factor * budget)
		terms = append(terms, fmt.Sprintf("(kiln:sli_error:ratio_rate%s%s > %s and kiln:sli_error:ratio_rate%s%s > %s)",
			w.Long, sel, threshold, w.Short, sel, threshold))
		burns = append(burns, fmt.Sprintf("%sx the sustainable rate over %s and %s (%g%% of the budget in %s)",
			num(factor), w.Long, w.Short, w.Budget*100, w.Long))
	}
	labels := map[string]string{"severity": al.Severity, "owner": a.Metadata.Owner}
	for k, v := range lbl {
		labels[k] = v
	}
	return Rule{
		Alert:  camel(name) + o.alert,
		Expr:   strings.Join(terms, " or "),
		Labels: labels,
		Annotations: map[string]string{
			"summary": fmt.Sprintf("%s in %s is burning the error budget of its %s objective too fast", name, lbl[LabelEnv], o.id),
			"description": fmt.Sprintf("%s in %s spends the error budget of its %s objective (%s over %s) at least %s.",
				name, lbl[LabelEnv], o.id, o.what, sla.Window, strings.Join(burns, ", or ")),
		},
	}
}

// noBucket is the ticket raised when the latency histogram is there but
// has no bucket at the objective: the objective cannot be measured, so its
// alerts could never fire. (A missing histogram, or requests, is not told
// apart from an app without traffic, and raises nothing.)
func noBucket(a *app.App, o objective, lbl map[string]string) Rule {
	labels := map[string]string{"severity": "ticket", "owner": a.Metadata.Owner}
	for k, v := range lbl {
		labels[k] = v
	}
	name, env := a.Metadata.Name, lbl[LabelEnv]
	return Rule{
		Alert:  camel(name) + "LatencyBucketMissing",
		Expr:   fmt.Sprintf("count(%s) unless on() count(%s)", o.all, o.fast),
		For:    "15m",
		Labels: labels,
		Annotations: map[string]string{
			"summary": fmt.Sprintf("%s in %s cannot measure its %s objective: the latency histogram has no le=\"%s\" bucket", name, env, o.id, o.bound),
			"description": fmt.Sprintf("The request duration histogram of %s in %s has no bucket le=\"%s\", so the %s objective (%s) has no SLI and its error budget alerts cannot fire: "+
				"add %s to the histogram's buckets, or make the objective one of them.", name, env, o.bound, o.id, o.what, o.bound),
		},
	}
}

// objectives lists the SLA's objectives: availability, then each latency
// objective that a histogram measures.
func objectives(sla *app.SLA, m app.SLIMetrics) ([]objective, error) {
	out := []objective{{
		id: "availability", alert: "ErrorBudgetBurn", target: sla.Availability / 100,
		what: fmt.Sprintf("%g%% of requests successful", sla.Availability),
		// An app that never failed has no error series at all: that is
		// no error, not no data.
		ratio: func(r string) string {
			return fmt.Sprintf("(sum(rate(%s[%s])) or vector(0)) / sum(rate(%s[%s]))", m.Errors, r, m.Total, r)
		},
	}}
	lat := sla.Latency
	if lat == nil || m.LatencyBucket == "" {
		return out, nil
	}
	for _, q := range []struct {
		p, target string
		share     float64
	}{{"p50", lat.P50, 0.5}, {"p90", lat.P90, 0.9}, {"p95", lat.P95, 0.95}, {"p99", lat.P99, 0.99}} {
		if q.target == "" {
			continue
		}
		d, err := model.ParseDuration(q.target)
		if err != nil {
			return nil, fmt.Errorf("sla.latency.%s: %v", q.p, err)
		}
		fast, all, err := buckets(m.LatencyBucket, time.Duration(d).Seconds())
		if err != nil {
			return nil, &FieldError{Field: "latencyBucket", Err: err}
		}
		out = append(out, objective{
			id: "latency-" + q.p, alert: "Latency" + strings.ToUpper(q.p) + "BudgetBurn", target: q.share,
			what: fmt.Sprintf("%g%% of requests within %s", q.share*100, q.target),
			fast: fast, all: all, bound: strconv.FormatFloat(time.Duration(d).Seconds(), 'f', -1, 64),
			// Slow requests over all: those above the objective's bucket.
			ratio: func(r string) string {
				return fmt.Sprintf("(sum(rate(%s[%s])) - sum(rate(%s[%s]))) / sum(rate(%s[%s]))", all, r, fast, r, all, r)
			},
		})
	}
	return out, nil
}

// buckets returns the histogram's bucket at the threshold and its +Inf
// bucket. Prometheus 3 writes a bucket bound as a float (le="1.0") where
// Prometheus 2 kept what the client wrote (le="1"), so the bucket is
// matched in both spellings.
func buckets(sel string, seconds float64) (fast, all string, err error) {
	vs, err := selectorOf(sel)
	if err != nil {
		return "", "", err
	}
	if matches(vs, "le") {
		return "", "", fmt.Errorf("%q matches on le, but kiln picks the buckets itself: leave le out", sel)
	}
	le := strconv.FormatFloat(seconds, 'f', -1, 64)
	re := regexpQuote(le)
	if !strings.Contains(le, ".") {
		re += `(\.0)?`
	}
	fast, err = Scope(sel, labels.MustNewMatcher(labels.MatchRegexp, "le", re))
	if err != nil {
		return "", "", err
	}
	all, err = Scope(sel, labels.MustNewMatcher(labels.MatchEqual, "le", "+Inf"))
	return fast, all, err
}

func regexpQuote(s string) string { return strings.ReplaceAll(s, ".", `\.`) }

// selector matches the recorded series of one objective.
func selector(lbl map[string]string) string {
	return fmt.Sprintf(`{%s=%q,%s=%q,%s=%q}`, LabelApp, lbl[LabelApp], LabelEnv, lbl[LabelEnv], LabelSLO, lbl[LabelSLO])
}

// num writes a ratio or factor without float noise (0.999, not
// 0.9990000000000001).
func num(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }

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
