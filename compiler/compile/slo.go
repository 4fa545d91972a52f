package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/overlay"
	"github.com/kilnhq/kiln/compiler/slo"
)

// The custom resources of the SLO output (monitoring.coreos.com/v1, for
// the Prometheus operator).
const (
	monitoringAPI = "monitoring.coreos.com/v1"
	// DefaultEnv is the environment an app without environments, and the
	// base of one with them, is labelled with (kiln_env) in the SLO output:
	// the environment such an app is built as.
	DefaultEnv = overlay.Default
)

// sloObjects returns the SLO output: a ServiceMonitor that scrapes the app
// (for an http or grpc app) and the PrometheusRule of its SLA, or neither
// when the app promises none. Without anything to measure the SLA with
// there is no PrometheusRule, which is a finding.
func (c *compiler) sloObjects(env string) ([]Object, error) {
	if c.app.Spec.SLA == nil {
		return nil, nil
	}
	if env == "" {
		env = DefaultEnv
	}
	var out []Object
	if c.scraped() {
		sm, err := c.serviceMonitor(env)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	m, ok, err := slo.Metrics(c.app, env)
	if c.badSelector(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		why := "a " + c.app.Spec.Protocol + " app has no conventional request metrics"
		if !c.listens() {
			why = "an app with protocol none serves no requests with conventional metrics"
		}
		c.finding(diag.Warning, "build/slo-metrics",
			"no SLO alerts: "+why+"; set sla.metrics.total and sla.metrics.errors", "spec", "sla")
		return out, nil
	}
	c.checkWindow()
	groups, err := slo.Groups(c.app, env, m)
	if c.badSelector(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	rule, err := c.monitoringObject("PrometheusRule", map[string]any{"groups": groups})
	if err != nil {
		return nil, err
	}
	c.set("PrometheusRule", "spec", "spec", "sla")
	c.set("PrometheusRule", "spec.groups[2]", "spec", "sla", "availability")
	return append(out, rule), nil
}

// badSelector reports err when it is a selector of sla.metrics kiln cannot
// use, as an error at that selector.
func (c *compiler) badSelector(err error) bool {
	var fe *slo.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	c.finding(diag.Error, "build/slo-metrics", fe.Error(), "spec", "sla", "metrics", fe.Field)
	return true
}

// checkWindow warns of an SLA window too short for the workbook's alerts:
// they keep a share of the window's budget per alert window, so the
// shorter the SLA window, the closer the page's burn rate comes to the
// sustainable rate (1.4x over 6h for 7d, 1x from 5d down).
func (c *compiler) checkWindow() {
	w, err := model.ParseDuration(c.app.Spec.SLA.Window)
	if err != nil || time.Duration(w) >= slo.MinWindow {
		return
	}
	c.finding(diag.Warning, "build/slo-window", fmt.Sprintf(
		"sla.window %s is shorter than %s: the page alert would fire at or near the sustainable burn rate; measure over 7d or more (28d and 30d are usual)",
		c.app.Spec.SLA.Window, model.Duration(slo.MinWindow)), "spec", "sla", "window")
}

// scraped reports whether kiln's ServiceMonitor scrapes the app: one with
// a port named metrics, or one that speaks HTTP or gRPC on its primary
// port. A tcp app's port speaks its own protocol and an app with protocol
// none has no port: without a metrics port their series come from
// elsewhere (sla.metrics).
func (c *compiler) scraped() bool {
	if p, ok := c.metricsPort(); ok && p.name == MetricsPort {
		return true
	}
	p := c.app.Spec.Protocol
	return p == "http" || p == "grpc"
}

// serviceMonitor scrapes the app's metrics port (metricsPort) at
// sla.monitoring.path, so that the
// job="<app>" the rules select exists: the job is the Service's
// app.kubernetes.io/name label (jobLabel), the app's name whatever the
// Service is called (a Helm release names it after the release), and labels every scraped series with the app and the
// environment (kiln_app, kiln_env), which the rules select by: with
// several environments in one Prometheus, each environment's alerts read
// that environment's series only.
func (c *compiler) serviceMonitor(env string) (Object, error) {
	port, _ := c.metricsPort()
	c.set("ServiceMonitor", "spec.endpoints[0].port", port.nameAt...)
	c.set("ServiceMonitor", "spec.endpoints[0].path", "spec", "sla", "monitoring", "path")
	c.set("ServiceMonitor", "spec.selector", "metadata", "name")
	return c.monitoringObject("ServiceMonitor", map[string]any{
		"jobLabel": "app.kubernetes.io/name",
		"selector": c.selector(),
		"endpoints": []any{map[string]any{
			"port": port.name,
			"path": c.app.Spec.SLA.Monitoring.Path,
			"relabelings": []any{
				map[string]any{"action": "replace", "targetLabel": slo.LabelApp, "replacement": c.app.Metadata.Name},
				map[string]any{"action": "replace", "targetLabel": slo.LabelEnv, "replacement": env},
			},
		}},
	})
}

// monitoringObject is a monitoring.coreos.com/v1 object of the app, labelled
// with sla.monitoring.labels beside kiln's own labels, for the Prometheus
// that selects its rules and monitors by label.
func (c *compiler) monitoringObject(kind string, spec map[string]any) (Object, error) {
	meta := c.meta(kind)
	labels := map[string]string{}
	for k, v := range c.app.Spec.SLA.Monitoring.Labels {
		if _, own := meta.Labels[k]; !own { // kiln's own labels are not the app's to replace
			labels[k] = v
			c.set(kind, fieldpath.Join("metadata.labels", k), "spec", "sla", "monitoring", "labels", k)
		}
	}
	maps.Copy(labels, meta.Labels)
	meta.Labels = labels
	raw, err := json.Marshal(map[string]any{"apiVersion": monitoringAPI, "kind": kind, "metadata": meta, "spec": spec})
	if err != nil {
		return Object{}, err
	}
	var content map[string]any
	if err := json.Unmarshal(raw, &content); err != nil {
		return Object{}, err
	}
	prune(content)
	return Object{APIVersion: monitoringAPI, Kind: kind, Name: c.app.Metadata.Name, Content: content}, nil
}
