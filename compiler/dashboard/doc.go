// Package dashboard turns an app, in one environment, into a Grafana
// dashboard: its SLO (the SLI over the SLA window, the error budget left,
// the burn rates the alerts fire on) and its golden signals (traffic,
// errors, latency, saturation).
//
// It exists so that the dashboard reads exactly what the SLO rules record
// and what kiln's ServiceMonitor scrapes: the queries come from
// compiler/slo (slo.Metrics, slo.Groups, the kiln_app, kiln_env and
// kiln_slo labels), not from a second description of the app's metrics,
// so a dashboard cannot show a number the alerts do not fire on.
// Saturation reads the series every Kubernetes Prometheus has, cAdvisor's
// and kube-state-metrics'.
//
// The model is Grafana's dashboard JSON (schema v1, the one file
// provisioning and the grafana-operator's GrafanaDashboard spec.json
// accept), built with the typed builders of Grafana's foundation SDK,
// which are generated from Grafana's schema. The output is deterministic:
// its uid derives from the app and the environment, and it holds no
// timestamps or versions.
package dashboard
