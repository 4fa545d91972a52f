package build

import (
	"fmt"
	"strings"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/dashboard"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// addDashboard adds the GrafanaDashboard of a (env's overrides merged) to
// the compiled objects, before the patches, so that a patch can change it
// (its instanceSelector) and it is validated like every other object. It
// takes its metadata from the workload, so it carries the app's labels and
// namespace. The kustomize base of an app with environments gets none: a
// dashboard shows one environment's series, and the base is none of them,
// so each overlay adds its own rather than patching the base's.
func addDashboard(c *compile.Result, a *app.App, env string) error {
	w, _, ok := compile.WorkloadIn(c.Objects)
	if !ok {
		return fmt.Errorf("dashboard: no workload among the compiled objects")
	}
	d, err := dashboard.New(a, env)
	if err != nil {
		return fmt.Errorf("dashboard: %v", err)
	}
	model, err := dashboard.JSON(d)
	if err != nil {
		return fmt.Errorf("dashboard: %v", err)
	}
	meta, _ := w.Content["metadata"].(map[string]any)
	o := dashboard.Object(model, *d.Uid, meta)
	key := sourcemap.ObjectKey(o.Kind, o.Name)
	for field, origin := range c.Origins.Fields(w.Key()) {
		if field == "metadata" || strings.HasPrefix(field, "metadata.") {
			c.Origins.Set(key, field, origin...)
		}
	}
	c.Origins.Set(key, "spec", "spec")
	c.Origins.Set(key, "spec.json", "spec", "sla")
	if a.Spec.SLA == nil {
		c.Origins.Set(key, "spec.json", "metadata", "name")
	}
	c.Objects = append(c.Objects, o)
	return nil
}

// helmDashboard says that kiln's chart leaves the dashboard out: it
// templates the app's own objects and the SLO output, not the
// grafana-operator's resource.
func helmDashboard(doc *load.Doc) diag.Diagnostic {
	pos, end, _ := doc.Locate([]string{"metadata", "name"})
	return diag.Diagnostic{Pos: pos, End: end, Path: "metadata.name", Severity: diag.Warning, Code: "build/helm-dashboard", Kind: diag.Finding,
		Message: "the Helm values leave out the GrafanaDashboard, which kiln's chart does not template; apply dashboards/<env>.yaml beside the release, or the rendered manifests"}
}
