package build_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/internal/buildtest"
)

const alertsApp = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: checkout
  owner: team-payments
  contact: "#payments-oncall"
spec:
  image: registry.example.com/payments/checkout:1.4.2
  port: 8080
  environments:
    staging: {}
    prod: {}
`

// Each environment gets one AlertmanagerConfig, among its objects,
// matching its own kiln_env, with the repository's Secret, its spec
// explained by metadata.contact; and the plain route beside it.
func TestAlertsPerEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiln.yaml")
	if err := os.WriteFile(path, []byte(alertsApp), 0o644); err != nil {
		t.Fatal(err)
	}
	res := buildtest.Build(t, path, nil, build.Options{Emit: build.Artifacts{Alerts: true},
		Alerting: alerting.Settings{SlackSecret: "payments-slack"}}, nil)
	if len(res.Envs) != 2 {
		t.Fatalf("%d environments", len(res.Envs))
	}
	for _, env := range res.Envs {
		var amc []map[string]any
		for _, o := range env.Objects {
			if o.Kind == "AlertmanagerConfig" {
				amc = append(amc, o.Content)
			}
		}
		if len(amc) != 1 {
			t.Fatalf("%s: %d AlertmanagerConfigs", env.Name, len(amc))
		}
		spec := amc[0]["spec"].(map[string]any)
		matchers := spec["route"].(map[string]any)["matchers"].([]any)
		if m := matchers[1].(map[string]any); m["name"] != "kiln_env" || m["value"] != env.Name {
			t.Errorf("%s: matcher %v", env.Name, m)
		}
		slack := spec["receivers"].([]any)[0].(map[string]any)["slackConfigs"].([]any)[0].(map[string]any)
		if slack["apiURL"].(map[string]any)["name"] != "payments-slack" {
			t.Errorf("%s: apiURL %v", env.Name, slack["apiURL"])
		}
		loc, ok := env.Locate("AlertmanagerConfig/checkout", "spec.receivers[0].slackConfigs[0].channel")
		if line, col := loc.Pos.LineCol(); !ok || line != 6 || col != 3 {
			t.Errorf("%s: the channel comes from %d:%d (%v), not metadata.contact", env.Name, line, col, ok)
		}
		if env.Alertmanager == nil {
			t.Errorf("%s: no plain route", env.Name)
		}
	}
}

// Without the alerts output, no AlertmanagerConfig and no finding.
func TestAlertsOnlyWhenAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiln.yaml")
	if err := os.WriteFile(path, []byte(alertsApp), 0o644); err != nil {
		t.Fatal(err)
	}
	res := buildtest.Build(t, path, nil, build.Options{Emit: build.Artifacts{K8s: true}}, nil)
	for _, env := range res.Envs {
		for _, o := range env.Objects {
			if o.Kind == "AlertmanagerConfig" {
				t.Errorf("%s: an AlertmanagerConfig without --emit alerts", env.Name)
			}
		}
		if env.Alertmanager != nil {
			t.Errorf("%s: a plain route without --emit alerts", env.Name)
		}
	}
}

// The AlertmanagerConfig joins the kustomize tree like every object: each
// overlay of examples/reference, built with kustomize's krusty API, is
// rendered/<env>.yaml, AlertmanagerConfig included.
func TestAlertsKustomize(t *testing.T) {
	res := buildtest.Build(t, "../../examples/reference/kiln.yaml", nil, build.Options{Emit: build.Artifacts{K8s: true, Alerts: true}}, nil)
	files, built := kustomizeOverlays(t, res)
	for _, env := range res.Envs {
		got := built[env.Name]
		rendered := files["rendered/"+env.Name+".yaml"]
		if !strings.Contains(string(rendered), "kind: AlertmanagerConfig\n") {
			t.Fatalf("%s: no AlertmanagerConfig in rendered/%s.yaml", env.Name, env.Name)
		}
		if g, w := canonical(t, got), canonical(t, rendered); g != w {
			t.Errorf("%s: kustomize build of the overlay differs from rendered/%s.yaml\n--- kustomize\n%s\n--- rendered\n%s", env.Name, env.Name, g, w)
		}
	}
}
