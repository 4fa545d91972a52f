package emit

import (
	"encoding/json"
	"fmt"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/dashboard"
)

// dashboardFiles writes each environment's dashboard twice: the model as
// JSON, for Grafana's file provisioning, and the GrafanaDashboard that
// holds it, for the grafana-operator (it is among the manifests too). Both
// come from the object as patched, so they never disagree.
func dashboardFiles(files map[string][]byte, r *build.Result) error {
	for _, env := range r.Envs {
		for _, o := range env.Objects {
			if !isDashboard(o) {
				continue
			}
			model, err := dashboardModel(o)
			if err != nil {
				return err
			}
			files["dashboards/"+env.Name+".json"] = []byte(model)
			b, err := compile.YAML([]compile.Object{o})
			if err != nil {
				return err
			}
			files["dashboards/"+env.Name+".yaml"] = b
		}
	}
	return nil
}

// dashboardModels are the dashboards of env as a config test sees them:
// the model, parsed, so that an assertion reads panels[0].title.
func dashboardModels(env build.Env) []any {
	var out []any
	for _, o := range env.Objects {
		if !isDashboard(o) {
			continue
		}
		model, err := dashboardModel(o)
		var v map[string]any
		if err == nil && json.Unmarshal([]byte(model), &v) == nil {
			out = append(out, v)
		}
	}
	return out
}

func isDashboard(o compile.Object) bool {
	return o.Kind == dashboard.Kind && o.APIVersion == dashboard.APIVersion
}

// dashboardModel is the JSON a GrafanaDashboard holds in spec.json.
func dashboardModel(o compile.Object) (string, error) {
	spec, _ := o.Content["spec"].(map[string]any)
	model, ok := spec["json"].(string)
	if !ok {
		return "", fmt.Errorf("%s has no spec.json", o.Key())
	}
	return model, nil
}
