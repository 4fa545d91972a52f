package compile

import (
	"encoding/json"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/slo"
)

// prometheusRule returns the PrometheusRule (monitoring.coreos.com/v1) of
// the app's SLA, or nil when the app promises none or there is nothing to
// measure it with, which is a finding.
func (c *compiler) prometheusRule() (*Object, error) {
	if c.app.Spec.SLA == nil {
		return nil, nil
	}
	m, ok := slo.Metrics(c.app)
	if !ok {
		why := "a " + c.app.Spec.Protocol + " app has no conventional request metrics"
		if !c.listens() {
			why = "an app with protocol none serves no requests with conventional metrics"
		}
		c.finding(diag.Warning, "build/slo-metrics",
			"no SLO alerts: "+why+"; set sla.metrics.total and sla.metrics.errors", "spec", "sla")
		return nil, nil
	}
	groups, err := slo.Groups(c.app, m)
	if err != nil {
		return nil, err
	}
	meta := c.meta("PrometheusRule")
	raw, err := json.Marshal(map[string]any{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
		"metadata": meta, "spec": map[string]any{"groups": groups},
	})
	if err != nil {
		return nil, err
	}
	var content map[string]any
	if err := json.Unmarshal(raw, &content); err != nil {
		return nil, err
	}
	prune(content)
	c.set("PrometheusRule", "spec", "spec", "sla")
	c.set("PrometheusRule", "spec.groups[1]", "spec", "sla", "availability")
	return &Object{APIVersion: "monitoring.coreos.com/v1", Kind: "PrometheusRule", Name: c.app.Metadata.Name, Content: content}, nil
}
