package workspace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/workspace"
)

const app = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: NAME, owner: team-a}
spec:
  image: ghcr.io/a/NAME:1.0.0
  port: 8080
`

// repo writes files under a new repository (a directory holding .git)
// and returns its root.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func open(t *testing.T, o workspace.Options) *workspace.Workspace {
	t.Helper()
	w, err := workspace.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestAffectedMapsFilesToTheirApps(t *testing.T) {
	root := repo(t, map[string]string{
		"a/kiln.yaml":                        strings.ReplaceAll(app, "NAME", "a"),
		"a/kiln_test.yaml":                   "suite: a\ntests: []\n",
		"a/Dockerfile":                       "FROM scratch\n",
		"a/__snapshot__/kiln_test.yaml.snap": "",
		"b/kiln.jsonnet":                     "local c = import '../lib/common.libsonnet'; c",
		"lib/common.libsonnet":               "{apiVersion: 'kiln.dev/v1alpha1', kind: 'App', metadata: {name: 'b', owner: 't'}, spec: {image: 'ghcr.io/a/b:1.0.0', port: 80}}",
		"policy/team.rego":                   "package team\n",
		"README.md":                          "hello\n",
		"c/kiln_test.yaml":                   "suite: c\ntests: []\n",
	})
	w := open(t, workspace.Options{Dir: root})
	p := func(n string) string { return filepath.Join(root, n) }
	for _, c := range []struct {
		file     string
		paths    []string
		unmapped bool
	}{
		{"a/kiln.yaml", []string{"a/kiln.yaml"}, false},
		{"a/kiln_test.yaml", []string{"a/kiln.yaml"}, false},
		{"a/Dockerfile", []string{"a/kiln.yaml"}, false},
		{"a/__snapshot__/kiln_test.yaml.snap", []string{"a/kiln.yaml"}, false},
		{"lib/common.libsonnet", []string{"b/kiln.jsonnet"}, false},
		{"README.md", nil, true},
		{"c/kiln_test.yaml", nil, true}, // a test beside no app
	} {
		got, err := w.Affected([]string{p(c.file)})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		var want []string
		for _, q := range c.paths {
			want = append(want, p(q))
		}
		if !slices.Equal(got.Paths, want) || (len(got.Unmapped) > 0) != c.unmapped {
			t.Errorf("Affected(%s) = %+v, want paths %v, unmapped %v", c.file, got, want, c.unmapped)
		}
	}
	// A policy can change every app's result: the repository is checked.
	got, err := w.Affected([]string{p("policy/team.rego")})
	if err != nil || len(got.Paths) != 1 || !sameDir(got.Paths[0], root) {
		t.Errorf("Affected(policy) = %+v, %v; want the repository %s", got, err, root)
	}
	if _, err := w.Affected([]string{p("nowhere.yaml")}); err == nil {
		t.Error("a file that does not exist mapped to nothing, silently")
	}
}

func sameDir(a, b string) bool {
	a, _ = filepath.Abs(a)
	b, _ = filepath.Abs(b)
	return a == b
}

// A configuration that does not load keeps nothing from opening; the
// first method that needs the guardrails says why, positioned.
func TestBrokenConfigurationIsALoadError(t *testing.T) {
	root := repo(t, map[string]string{
		"a/kiln.yaml":       strings.ReplaceAll(app, "NAME", "a"),
		".kiln/config.yaml": "failOn: sometimes\n",
	})
	w := open(t, workspace.Options{Dir: root})
	_, err := w.Check(context.Background(), []string{root}, workspace.CheckOptions{})
	var le *workspace.LoadError
	if !errors.As(err, &le) || len(le.Diagnostics) == 0 {
		t.Fatalf("Check = %v, want a *LoadError", err)
	}
	d := le.Diagnostics[0]
	if line, _ := d.Pos.LineCol(); d.Pos.File == nil || !strings.HasSuffix(d.Pos.File.Name, "config.yaml") || line != 1 {
		t.Errorf("the error is not at the configuration's line: %+v", d)
	}
	// Validate reads no guardrails: it still answers.
	if _, err := w.Validate(context.Background(), []string{root}); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// A second check of an unchanged repository is answered from the cache,
// with the same findings; a change to one app recomputes that app.
func TestCheckIsCachedPerApp(t *testing.T) {
	root := repo(t, map[string]string{
		"a/kiln.yaml": strings.ReplaceAll(app, "NAME", "a"),
		"b/kiln.yaml": strings.ReplaceAll(app, "NAME", "b") + "  replicas: 1\n",
	})
	eng := engine.New(engine.Options{Dir: t.TempDir()})
	check := func() *workspace.CheckResult {
		t.Helper()
		w := open(t, workspace.Options{Dir: root, Cache: eng, LazyPolicies: true})
		r, err := w.Check(context.Background(), []string{root}, workspace.CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cold := check()
	if cold.Apps != 2 || cold.Misses != 2 || cold.Hits != 0 {
		t.Fatalf("cold: %d apps, %d hits, %d misses", cold.Apps, cold.Hits, cold.Misses)
	}
	warm := check()
	if warm.Hits != 2 || warm.Misses != 0 {
		t.Errorf("warm: %d hits, %d misses", warm.Hits, warm.Misses)
	}
	if len(cold.Diagnostics) == 0 || !slices.EqualFunc(cold.Diagnostics, warm.Diagnostics, sameFinding) {
		t.Errorf("the cache changed the findings:\ncold %v\nwarm %v", cold.Diagnostics, warm.Diagnostics)
	}
	os.WriteFile(filepath.Join(root, "a/kiln.yaml"), []byte(strings.ReplaceAll(app, "NAME", "a")+"  replicas: 3\n"), 0o644)
	if r := check(); r.Hits != 1 || r.Misses != 1 {
		t.Errorf("one app changed: %d hits, %d misses", r.Hits, r.Misses)
	}
}

func sameFinding(a, b diag.Diagnostic) bool {
	return a.Code == b.Code && a.Message == b.Message && a.Pos.Offset == b.Pos.Offset && a.Pos.File.Name == b.Pos.File.Name
}

func TestBuildReturnsTheTreeAndWritesNothing(t *testing.T) {
	root := repo(t, map[string]string{"a/kiln.yaml": strings.ReplaceAll(app, "NAME", "a") + "  environments: {staging: {}, prod: {}}\n"})
	w := open(t, workspace.Options{Dir: root})
	r, err := w.Build(context.Background(), []string{root}, workspace.BuildOptions{Env: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Apps) != 1 || !r.Apps[0].Built || r.Apps[0].Name != "a" {
		t.Fatalf("apps: %+v", r.Apps)
	}
	if _, ok := r.Apps[0].Files["rendered/prod.yaml"]; !ok {
		t.Errorf("no rendered/prod.yaml in %v", keys(r.Apps[0].Files))
	}
	if _, ok := r.Apps[0].Files["rendered/staging.yaml"]; ok {
		t.Error("Env: prod built staging too")
	}
	if line, _ := r.Apps[0].NamePos.LineCol(); line != 3 {
		t.Errorf("metadata.name is at line %d, not 3", line)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "a")); len(entries) != 1 {
		t.Errorf("Build wrote into the app's directory: %v", entries)
	}
	whole, err := w.Build(context.Background(), []string{filepath.Join(root, "a/kiln.yaml")}, workspace.BuildOptions{Results: true})
	if err != nil || whole.Apps[0].Result == nil || len(whole.Apps[0].Result.Envs) != 2 {
		t.Errorf("Results: %+v, %v", whole, err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestFixReturnsTheFixedText(t *testing.T) {
	def := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: team-a}\nspec:\n  image: ghcr.io/a/a:1.0.0\n  prot: 8080\n"
	root := repo(t, map[string]string{"a/kiln.yaml": def})
	w := open(t, workspace.Options{Dir: root})
	fixed, err := w.Fix(context.Background(), []string{root})
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 1 || !fixed[0].Loads || len(fixed[0].Titles) == 0 {
		t.Fatalf("Fix = %+v", fixed)
	}
	if !strings.Contains(string(fixed[0].After), "  port: 8080\n") || string(fixed[0].Before) != def {
		t.Errorf("fixed text:\n%s", fixed[0].After)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "a/kiln.yaml")); string(b) != def {
		t.Error("Fix wrote the file")
	}
}

func TestLintManifests(t *testing.T) {
	root := repo(t, map[string]string{
		"k8s/pod.yaml":   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext: {privileged: true}\n",
		"ci/config.yaml": "jobs: {}\n",
	})
	w := open(t, workspace.Options{Dir: root})
	r, err := w.Lint(context.Background(), []string{filepath.Join(root, "k8s")}, workspace.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Targets != 1 || r.Evaluated.Documents != 1 || !r.Diagnostics.HasErrors() {
		t.Fatalf("lint: %d targets, %+v, %v", r.Targets, r.Evaluated, r.Diagnostics)
	}
	for _, d := range r.Diagnostics {
		if line, _ := d.Pos.LineCol(); d.Pos.File == nil || line == 0 {
			t.Errorf("unpositioned finding: %+v", d)
		}
	}
	_, err = w.Lint(context.Background(), []string{filepath.Join(root, "ci/config.yaml")}, workspace.LintOptions{ManifestsOnly: true})
	if !errors.Is(err, workspace.ErrNothingToLint) {
		t.Errorf("a hook's unrelated YAML: %v, want ErrNothingToLint", err)
	}
}

func TestOpenRefusesAnUnknownKubernetesVersion(t *testing.T) {
	if _, err := workspace.Open(context.Background(), workspace.Options{KubeVersion: "1.2"}); !errors.Is(err, workspace.ErrKubeVersion) {
		t.Errorf("Open(1.2) = %v", err)
	}
}
