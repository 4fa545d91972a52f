package argocd_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/argocd"
	"github.com/kilnhq/kiln/workspace"
)

const gitopsDoc = "../../docs/gitops.md"

// A block is a fenced code block of a Markdown file.
type block struct {
	lang string
	line int // of the block's first line of code
	text string
}

var fence = regexp.MustCompile("(?m)^```(\\w*)\n")

func blocks(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	var out []block
	for {
		m := fence.FindStringSubmatchIndex(s)
		if m == nil {
			return out
		}
		end := strings.Index(s[m[1]:], "\n```")
		if end < 0 {
			t.Fatalf("%s: unterminated code block", path)
		}
		line := strings.Count(string(data[:len(data)-len(s)+m[1]]), "\n") + 1
		out = append(out, block{lang: s[m[2]:m[3]], line: line, text: s[m[1] : m[1]+end+1]})
		s = s[m[1]+end+4:]
	}
}

// TestGitopsDocExamples holds docs/gitops.md's examples to the tools that
// read them: Argo CD Applications and ApplicationSets and Flux objects are validated strictly
// against their CRDs (testdata/crds, from Argo CD's and Flux's releases)
// by kiln lint's validator; the sidecar patch is
// applied with kustomize to Argo CD's own argocd-repo-server Deployment
// and the result validated against Kubernetes' schema; the configuration
// is read by kiln; the Dockerfile is parsed by BuildKit. An Application
// that uses the plugin must name it as plugin.yaml does and set only the
// parameters it announces. A YAML block of another kind fails the test,
// so that no example goes unchecked.
func TestGitopsDocExamples(t *testing.T) {
	p, err := argocd.LoadPlugin("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var manifests []string
	where := map[string]block{}
	seen := map[string]int{}
	for i, b := range blocks(t, gitopsDoc) {
		switch b.lang {
		case "yaml":
		case "dockerfile":
			checkDockerfile(t, b)
			seen["Dockerfile"]++
			continue
		default:
			continue
		}
		kinds := kindsOf(t, b)
		switch {
		case len(kinds) == 0:
			checkConfig(t, b)
			seen["config"]++
			continue
		case slices.Equal(kinds, []string{"Deployment"}):
			name := filepath.Join(dir, fmt.Sprintf("repo-server-%d.yaml", i))
			writeFile(t, name, patchRepoServer(t, b))
			manifests = append(manifests, name)
			where[name] = block{lang: "patched", line: b.line}
			seen["Deployment"]++
			continue
		}
		for _, k := range kinds {
			if !slices.Contains([]string{"Application", "ApplicationSet", "GitRepository", "Kustomization"}, k) {
				t.Errorf("%s:%d: an example of kind %s, which this test does not check", gitopsDoc, b.line, k)
			}
			seen[k]++
		}
		checkPluginUse(t, p, b)
		name := filepath.Join(dir, fmt.Sprintf("example-%d.yaml", i))
		writeFile(t, name, []byte(b.text))
		manifests = append(manifests, name)
		where[name] = b
	}
	for _, k := range []string{"config", "Dockerfile", "Deployment", "Application", "ApplicationSet", "GitRepository", "Kustomization"} {
		if seen[k] == 0 {
			t.Errorf("%s has no example of %s; the test expects one", gitopsDoc, k)
		}
	}
	validate(t, dir, manifests, where)
}

// kindsOf returns the kind of each document of a YAML block.
func kindsOf(t *testing.T, b block) []string {
	var kinds []string
	for _, doc := range strings.Split(b.text, "\n---\n") {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("%s:%d: %v", gitopsDoc, b.line, err)
		}
		if head.Kind != "" {
			kinds = append(kinds, head.Kind)
		}
	}
	return kinds
}

// checkConfig reads a .kiln/config.yaml example as kiln does.
func checkConfig(t *testing.T, b block) {
	_, ds := config.Parse(source.NewFile(".kiln/config.yaml", []byte(b.text)), t.TempDir())
	for _, d := range ds {
		t.Errorf("%s:%d: the configuration example: %s", gitopsDoc, b.line, d.Message)
	}
}

// checkPluginUse holds an Application that uses a plugin to plugin.yaml.
func checkPluginUse(t *testing.T, p *argocd.Plugin, b block) {
	var app struct {
		Spec struct {
			Source struct {
				Plugin *struct {
					Name       string
					Parameters []struct{ Name string }
				}
			}
		}
	}
	if err := yaml.Unmarshal([]byte(strings.Split(b.text, "\n---\n")[0]), &app); err != nil {
		t.Fatal(err)
	}
	use := app.Spec.Source.Plugin
	if use == nil {
		return
	}
	if use.Name != p.Name() {
		t.Errorf("%s:%d: the Application names plugin %q; plugin.yaml's name is %q", gitopsDoc, b.line, use.Name, p.Name())
	}
	for _, par := range use.Parameters {
		if !slices.ContainsFunc(p.Spec.Parameters.Static, func(a argocd.Announcement) bool { return a.Name == par.Name }) {
			t.Errorf("%s:%d: parameter %q is not one plugin.yaml announces", gitopsDoc, b.line, par.Name)
		}
	}
}

// patchRepoServer applies a patch example to Argo CD's argocd-repo-server
// Deployment with kustomize, as an install beside Argo CD's manifests
// would, and returns the result.
func patchRepoServer(t *testing.T, b block) []byte {
	base, err := os.ReadFile("testdata/argo-cd/argocd-repo-server-deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fs := filesys.MakeFsInMemory()
	for name, data := range map[string]string{
		"/k/deployment.yaml":    string(base),
		"/k/patch.yaml":         b.text,
		"/k/kustomization.yaml": "resources: [deployment.yaml]\nnamespace: argocd\npatches:\n  - path: patch.yaml\n",
	} {
		if err := fs.WriteFile(name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/k")
	if err != nil {
		t.Fatalf("%s:%d: kustomize build with the patch: %v", gitopsDoc, b.line, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct{ Name string }
				}
			}
		}
	}
	if err := yaml.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range d.Spec.Template.Spec.Containers {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"argocd-repo-server", "kiln"}) {
		t.Errorf("%s:%d: the patched Deployment's containers are %v, not the repo server and kiln's sidecar", gitopsDoc, b.line, names)
	}
	return out
}

// checkDockerfile parses a Dockerfile example with BuildKit and checks
// that it puts plugin.yaml where the sidecar reads it and runs as the
// user Argo CD requires.
func checkDockerfile(t *testing.T, b block) {
	res, err := parser.Parse(strings.NewReader(b.text))
	if err != nil {
		t.Fatalf("%s:%d: %v", gitopsDoc, b.line, err)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("%s:%d: %v", gitopsDoc, b.line, err)
	}
	final := stages[len(stages)-1]
	var user string
	var config bool
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.CopyCommand:
			config = config || slices.Equal(c.SourcePaths, []string{"deploy/argocd/plugin.yaml"}) && c.DestPath == "/home/argocd/cmp-server/config/plugin.yaml"
		}
	}
	if user != "999" || !config {
		t.Errorf("%s:%d: the sidecar image must copy deploy/argocd/plugin.yaml to /home/argocd/cmp-server/config/plugin.yaml (%v) and run as user 999 (%q)", gitopsDoc, b.line, config, user)
	}
}

// validate lints the manifests with kiln's strict validator and the CRDs.
// What Kubernetes or a CRD refuses (kube/...) and what kiln cannot read
// fail the test; the guardrails' findings do not, as they judge apps'
// objects and these are the platform's.
func validate(t *testing.T, dir string, manifests []string, where map[string]block) {
	w, err := workspace.Open(context.Background(), workspace.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	crds, _ := filepath.Abs("testdata/crds")
	r, err := w.Lint(context.Background(), manifests, workspace.LintOptions{CRDs: []string{crds}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Targets != len(manifests) {
		t.Errorf("%d of %d examples linted", r.Targets, len(manifests))
	}
	for _, d := range r.Diagnostics {
		if d.Severity != diag.Error || d.Kind == diag.Finding && !strings.HasPrefix(d.Code, "kube/") {
			continue
		}
		b, ok := where[d.Pos.File.Name]
		line, col := d.Pos.LineCol()
		if !ok || b.lang == "patched" {
			t.Errorf("%s:%d: the patch applied to argocd-repo-server: %s [%s]", gitopsDoc, b.line, d.Message, d.Code)
			continue
		}
		t.Errorf("%s:%d:%d: %s [%s]", gitopsDoc, b.line+line-1, col, d.Message, d.Code)
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
