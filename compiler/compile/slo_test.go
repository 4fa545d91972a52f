package compile

import (
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
)

func sloApp(protocol string) *app.App {
	a := baseApp()
	a.Spec.Protocol = protocol
	a.Spec.SLA = &app.SLA{Availability: 99.9, Window: "30d", Monitoring: app.Monitoring{
		Labels: map[string]string{"release": "prom", "app.kubernetes.io/name": "not-mine"}, Path: "/stats"}}
	if protocol == "tcp" || protocol == "none" {
		a.Spec.SLA.Metrics = &app.SLIMetrics{Total: `ops_total{job="a"}`, Errors: `ops_failed_total{job="a"}`}
	}
	if protocol == "none" {
		a.Spec.Port = 0
	}
	return a
}

// The ServiceMonitor scrapes an http or grpc app at sla.monitoring.path and
// labels its series with the app and the environment, which the rules
// select; both objects carry the monitoring labels, below kiln's own.
func TestSLOObjects(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		monitor  bool
	}{{"http", true}, {"grpc", true}, {"tcp", false}, {"none", false}} {
		res, err := Compile(sloApp(tc.protocol), Options{SLO: true, Env: "staging"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) > 0 {
			t.Fatalf("%s: %+v", tc.protocol, res.Findings)
		}
		rule, sm := find(t, res, "PrometheusRule"), find(t, res, "ServiceMonitor")
		if rule == nil || (sm != nil) != tc.monitor {
			t.Fatalf("%s: PrometheusRule %v, ServiceMonitor %v", tc.protocol, rule != nil, sm != nil)
		}
		objs := []*Object{rule}
		if sm != nil {
			objs = append(objs, sm)
			if got := field(sm, "spec.endpoints[0].path"); got != "/stats" {
				t.Errorf("%s: scrapes %v", tc.protocol, got)
			}
			if got := field(sm, "spec.endpoints[0].port"); got != tc.protocol {
				t.Errorf("%s: scrapes port %v", tc.protocol, got)
			}
			if got := field(sm, "spec.endpoints[0].relabelings[1].replacement"); got != "staging" {
				t.Errorf("%s: kiln_env %v", tc.protocol, got)
			}
		}
		for _, o := range objs {
			labels := field(o, "metadata.labels").(map[string]any)
			if labels["release"] != "prom" || labels["app.kubernetes.io/name"] != "a" {
				t.Errorf("%s %s: labels %v", tc.protocol, o.Kind, labels)
			}
		}
		for _, g := range field(rule, "spec.groups").([]any) {
			for _, r := range g.(map[string]any)["rules"].([]any) {
				r := r.(map[string]any)
				if r["labels"].(map[string]any)["kiln_env"] != "staging" {
					t.Errorf("%s: %v has no kiln_env", tc.protocol, r)
				}
				if expr := r["expr"].(string); strings.Contains(expr, "_total{") && !strings.Contains(expr, `kiln_env="staging"`) {
					t.Errorf("%s: %s reads other environments' series", tc.protocol, expr)
				}
			}
		}
	}
}

// The base, and an app without environments, is the environment "default".
func TestSLODefaultEnvironment(t *testing.T) {
	res, err := Compile(sloApp("http"), Options{SLO: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := field(find(t, res, "ServiceMonitor"), "spec.endpoints[0].relabelings[1].replacement"); got != DefaultEnv {
		t.Errorf("kiln_env %v", got)
	}
}

// A window under 7 days is a warning at sla.window.
func TestSLOShortWindow(t *testing.T) {
	for window, warn := range map[string]bool{"3d": true, "6d23h": true, "7d": false, "30d": false} {
		a := sloApp("http")
		a.Spec.SLA.Window = window
		res, err := Compile(a, Options{SLO: true})
		if err != nil {
			t.Fatal(err)
		}
		got := len(res.Findings) == 1 && res.Findings[0].Code == "build/slo-window" &&
			strings.Join(res.Findings[0].Path, ".") == "spec.sla.window"
		if got != warn || (!warn && len(res.Findings) > 0) {
			t.Errorf("window %s: findings %+v", window, res.Findings)
		}
	}
}
