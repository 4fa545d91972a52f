package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/workspace"
)

// scheduled is an app whose patch sets the pod's schedulingGroup, a field
// Kubernetes 1.36 added: valid there, unknown to 1.35. ENV is where its
// own kubeVersion goes.
const scheduled = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: web, owner: team-a}
spec:
  image: ghcr.io/a/web:1.0.0
  port: 8080
  environments:
    prod: {namespace: web}
    staging: {namespace: web-staging}
    dev: {namespace: web-dev ENV}
  patches:
    - target: {kind: Deployment}
      patch: |
        - op: add
          path: /spec/template/spec/schedulingGroup
          value: {podGroupName: web}
`

// schemaErrors returns the environments in which kiln check finds the
// schedulingGroup unknown, and the run's cache hits.
func schemaErrors(t *testing.T, root string, eng *engine.Engine, flag string) (string, int64) {
	t.Helper()
	w := open(t, workspace.Options{Dir: root, Cache: eng, LazyPolicies: true, KubeVersion: flag})
	r, err := w.Check(context.Background(), []string{root}, workspace.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Diagnostics {
		if d.Code == "kube/schema" && strings.Contains(d.Message, "schedulingGroup") {
			if d.Environments == nil {
				return "all", r.Hits
			}
			return strings.Join(d.Environments, ","), r.Hits
		}
	}
	return "", r.Hits
}

// Each environment is validated against its own Kubernetes version: the
// app's environments.<env>.kubeVersion, else the repository's
// kubeVersions, else --kube-version. A warm run after the configuration
// moves an environment to another version checks the app again.
func TestEnvironmentsHaveTheirOwnKubernetesVersion(t *testing.T) {
	root := repo(t, map[string]string{
		".kiln/config.yaml": "kubeVersions: {prod: \"1.35\", dev: \"1.35\"}\n",
		"web/kiln.yaml":     strings.Replace(scheduled, " ENV", `, kubeVersion: "1.36"`, 1),
	})
	eng := engine.New(engine.Options{Dir: t.TempDir()})
	// prod is 1.35 by the configuration; dev's own 1.36 comes first;
	// staging takes the flag's 1.37.
	if envs, _ := schemaErrors(t, root, eng, "1.37"); envs != "prod" {
		t.Errorf("schedulingGroup refused in %q, want prod", envs)
	}
	// The flag is staging's version: 1.35 refuses the field there too.
	if envs, _ := schemaErrors(t, root, eng, "1.35"); envs != "prod,staging" {
		t.Errorf("with --kube-version 1.35: refused in %q, want prod,staging", envs)
	}
	if envs, hits := schemaErrors(t, root, eng, "1.37"); envs != "prod" || hits != 1 {
		t.Errorf("warm: refused in %q with %d hits, want prod from the cache", envs, hits)
	}
	os.WriteFile(filepath.Join(root, ".kiln/config.yaml"), []byte("kubeVersions: {prod: \"1.36\", dev: \"1.35\"}\n"), 0o644)
	if envs, hits := schemaErrors(t, root, eng, "1.37"); envs != "" || hits != 0 {
		t.Errorf("prod moved to 1.36: refused in %q with %d hits, want nowhere, checked again", envs, hits)
	}
}

// Without guardrails, too, the configuration's versions hold and are part
// of the cache key.
func TestKubeVersionsWithoutGuardrails(t *testing.T) {
	root := repo(t, map[string]string{
		".kiln/config.yaml": "kubeVersions: {prod: \"1.35\"}\n",
		"web/kiln.yaml":     strings.Replace(scheduled, " ENV", "", 1),
	})
	eng := engine.New(engine.Options{Dir: t.TempDir()})
	build := func() (bool, int64) {
		w := open(t, workspace.Options{Dir: root, Cache: eng, NoPolicy: true})
		r, err := w.Build(context.Background(), []string{filepath.Join(root, "web")}, workspace.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range r.Diagnostics {
			if d.Code == "kube/schema" && strings.Contains(d.Message, "schedulingGroup") {
				return true, r.Hits
			}
		}
		return false, r.Hits
	}
	if refused, _ := build(); !refused {
		t.Error("prod at 1.35 accepted schedulingGroup")
	}
	os.WriteFile(filepath.Join(root, ".kiln/config.yaml"), []byte("kubeVersions: {prod: \"1.37\"}\n"), 0o644)
	if refused, hits := build(); refused || hits != 0 {
		t.Errorf("prod at 1.37: refused %v, %d hits; want accepted, built again", refused, hits)
	}
}
