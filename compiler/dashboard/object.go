package dashboard

import (
	"maps"

	"github.com/kilnhq/kiln/compiler/compile"
)

// The grafana-operator's custom resource that loads a dashboard into the
// Grafana instances it selects.
const (
	APIVersion = "grafana.integreatly.org/v1beta1"
	Kind       = "GrafanaDashboard"
)

// Object is the GrafanaDashboard of the dashboard model (JSON's output)
// with uid, named and labelled like the app's other objects (metadata, the
// workload's). The operator loads it into every Grafana instance labelled
// dashboards: grafana, the label of the operator's own examples; a patch
// of spec.instanceSelector selects others. The uid is the dashboard's, so
// the operator and file provisioning load the same dashboard, not two.
func Object(model []byte, uid string, metadata map[string]any) compile.Object {
	meta := map[string]any{}
	for k, v := range metadata {
		switch k {
		case "name", "namespace":
			meta[k] = v
		case "labels", "annotations":
			if m, ok := v.(map[string]any); ok {
				meta[k] = maps.Clone(m)
			}
		}
	}
	name, _ := meta["name"].(string)
	return compile.Object{APIVersion: APIVersion, Kind: Kind, Name: name, Content: map[string]any{
		"apiVersion": APIVersion,
		"kind":       Kind,
		"metadata":   meta,
		"spec": map[string]any{
			"instanceSelector": map[string]any{"matchLabels": map[string]any{instanceLabel: instanceTarget}},
			"uid":              uid,
			"json":             string(model),
		},
	}}
}
