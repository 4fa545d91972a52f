package build

import (
	"encoding/json"
	"strings"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// AlertmanagerAPI is the API of the AlertmanagerConfig the alerts output
// adds to every environment.
const AlertmanagerAPI = "monitoring.coreos.com/v1alpha1"

// AlertmanagerKind is the kind of the alerts output's object.
const AlertmanagerKind = "AlertmanagerConfig"

// alertRouting adds the alerts output of env to c: the AlertmanagerConfig
// that routes the app's alerts to metadata.contact, among the objects, so
// that it is patched and validated like them. It returns the same route
// as a plain Alertmanager snippet; nil, with a finding, when the contact
// is missing or unusable.
func alertRouting(a *app.App, env string, c *compile.Result, s alerting.Settings) ([]byte, error) {
	if env == "" {
		env = compile.DefaultEnv
	}
	if a.Metadata.Contact == "" {
		c.Findings = append(c.Findings, compile.Finding{Path: []string{"metadata"}, Severity: diag.Warning, Code: "build/alerts-contact", Kind: diag.Finding,
			Message: "no alert routing: metadata.contact is not set; give the Slack channel (#payments-oncall) or the e-mail address the owners' alerts go to"})
		return nil, nil
	}
	r, err := alerting.For(a, env, s)
	if err != nil {
		c.Findings = append(c.Findings, compile.Finding{Path: []string{"metadata", "contact"}, Severity: diag.Error, Code: "build/alerts-contact", Kind: diag.Input,
			Message: err.Error()})
		return nil, nil
	}
	meta, err := copyMeta(c.Objects[0].Content) // kiln's labels and annotations, on every object
	if err != nil {
		return nil, err
	}
	meta["name"] = a.Metadata.Name
	key := sourcemap.ObjectKey(AlertmanagerKind, a.Metadata.Name)
	for field, origin := range c.Origins.Fields(c.Objects[0].Key()) {
		if field == "metadata" || strings.HasPrefix(field, "metadata.") {
			c.Origins.Set(key, field, origin...)
		}
	}
	c.Origins.Set(key, "spec", "metadata", "contact")
	c.Objects = append(c.Objects, compile.Object{APIVersion: AlertmanagerAPI, Kind: AlertmanagerKind, Name: a.Metadata.Name,
		Content: map[string]any{"apiVersion": AlertmanagerAPI, "kind": AlertmanagerKind, "metadata": meta, "spec": r.Spec()}})
	return r.Plain().YAML()
}

// copyMeta returns a deep copy of an object's metadata, which the new
// object may change without changing the one it came from.
func copyMeta(content map[string]any) (map[string]any, error) {
	b, err := json.Marshal(content["metadata"])
	if err != nil {
		return nil, err
	}
	var meta map[string]any
	err = json.Unmarshal(b, &meta)
	return meta, err
}
