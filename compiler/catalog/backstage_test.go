package catalog_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/internal/buildtest"
	"github.com/kilnhq/kiln/internal/toolcheck"
)

// built is one app built with every output, and the files kiln writes for it.
type built struct {
	name  string
	res   *build.Result
	files map[string][]byte
}

// buildSource loads, checks and builds one definition with every output.
func buildSource(t *testing.T, name string, src []byte) built {
	t.Helper()
	res := buildtest.Build(t, name, src, build.Options{
		Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, SLO: true, Helm: true}}, nil)
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	return built{name: name, res: res, files: files}
}

func examples(t *testing.T) []built {
	paths, err := filepath.Glob("../../examples/*/kiln.*")
	if err != nil || len(paths) < 5 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	var out []built
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buildSource(t, p, src))
	}
	return out
}

// backstageSelector is the label selector Backstage's Kubernetes plugin
// queries every cluster with for an entity (KubernetesFanOutHandler in
// @backstage/plugin-kubernetes-backend): the entity's
// backstage.io/kubernetes-label-selector annotation when set, otherwise
// backstage.io/kubernetes-id=<id>, the id being the
// backstage.io/kubernetes-id annotation, or else the entity's name.
func backstageSelector(t *testing.T, entry compile.Object) labels.Selector {
	t.Helper()
	meta, _ := entry.Content["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	text, _ := ann["backstage.io/kubernetes-label-selector"].(string)
	if text == "" {
		id, _ := ann["backstage.io/kubernetes-id"].(string)
		if id == "" {
			id, _ = meta["name"].(string)
		}
		text = "backstage.io/kubernetes-id=" + id
	}
	sel, err := labels.Parse(text)
	if err != nil {
		t.Fatalf("the catalog entry's selector %q: %v", text, err)
	}
	return sel
}

func labelsAt(o compile.Object, path string) labels.Set {
	v, _ := fieldpath.Resolve(o.Content, fieldpath.Parse(path))
	m, _ := v.(map[string]any)
	set := labels.Set{}
	for k, v := range m {
		s, _ := v.(string)
		set[k] = s
	}
	return set
}

// TestBackstageFindsEveryObject applies the plugin's selector, read off
// each example's catalog entry, to every object of every environment and
// to the pods (and so the ReplicaSets) of every pod template: the plugin
// lists pods, ReplicaSets, Services, Deployments, HPAs and Ingresses by
// that selector, and shows nothing it does not match.
func TestBackstageFindsEveryObject(t *testing.T) {
	for _, b := range examples(t) {
		sel := backstageSelector(t, *b.res.Catalog)
		for _, env := range b.res.Envs {
			kinds := 0
			for _, o := range env.Objects {
				kinds++
				if !sel.Matches(labelsAt(o, "metadata.labels")) {
					t.Errorf("%s %s: %s has labels %v, which Backstage's selector %q does not match", b.name, env.Name, o.Key(), labelsAt(o, "metadata.labels"), sel)
				}
			}
			// The pods, of whatever kind runs them, and a CronJob's Jobs.
			w, k, ok := compile.WorkloadIn(env.Objects)
			if !ok {
				t.Fatalf("%s %s: no workload", b.name, env.Name)
			}
			if l := labelsAt(w, k.LabelsPath()); !sel.Matches(l) {
				t.Errorf("%s %s: the pods of %s have labels %v, which Backstage's selector %q does not match", b.name, env.Name, w.Key(), l, sel)
			}
			if w.Kind == "CronJob" && !sel.Matches(labelsAt(w, "spec.jobTemplate.metadata.labels")) {
				t.Errorf("%s %s: the Jobs of %s do not match Backstage's selector %q", b.name, env.Name, w.Key(), sel)
			}
			if kinds < 3 { // a ServiceAccount, the workload and a NetworkPolicy at least
				t.Fatalf("%s %s: only %d objects", b.name, env.Name, kinds)
			}
		}
	}
}

// backstageDir holds validate.js and its package.json; npm ci there
// installs Backstage's catalog model into node_modules.
const backstageDir = "testdata/backstage"

// needBackstage returns node's path, or skips the test saying why; under
// CI=true a missing tool fails the test instead.
func needBackstage(t *testing.T) string {
	t.Helper()
	const unchecked = "the catalog entries, with Backstage's validator,"
	node := toolcheck.Command(t, "node", "Debian: apt-get install nodejs npm", unchecked)
	if _, err := os.Stat(filepath.Join(backstageDir, "node_modules", "@backstage", "catalog-model", "package.json")); err != nil {
		toolcheck.Missing(t, "@backstage/catalog-model is not installed: run npm ci in compiler/catalog/"+backstageDir, unchecked)
	}
	return node
}

// verdict is validate.js's answer for one file.
type verdict struct {
	File     string `json:"file"`
	Entities int    `json:"entities"`
	Error    string `json:"error"`
}

// runBackstage runs validate.js on files and returns its verdict per file.
func runBackstage(t *testing.T, node string, files []string) map[string]verdict {
	t.Helper()
	cmd := exec.Command(node, "validate.js")
	cmd.Args = append(cmd.Args, files...)
	cmd.Dir = backstageDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("node validate.js: %v\n%s", err, stderr.String())
	}
	got := map[string]verdict{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var v verdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("validate.js printed %q: %v", sc.Text(), err)
		}
		got[v.File] = v
	}
	if len(got) != len(files) {
		t.Fatalf("validate.js answered for %d of %d files:\n%s\n%s", len(got), len(files), out, stderr.String())
	}
	return got
}

// edgeApps are definitions whose catalog entries hold what the examples do
// not: every latency, a website, YAML-looking strings, a deprecated app.
var edgeApps = map[string]string{
	"website": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: docs-site, owner: team-docs, lifecycle: experimental}
spec:
  image: registry.example.com/docs/site:1.0.0
  build: {language: static, version: "1.36", main: ./public}
  port: 8080
  ingress: {host: docs.example.com, path: /guide}
`,
	"strings": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: odd
  owner: Team_Odd.v2
  contact: "yes"
  description: |-
    Two lines: the first,
    and "the second" # not a comment
  system: legacy-1
  lifecycle: deprecated
spec:
  image: registry.example.com/odd@sha256:0000000000000000000000000000000000000000000000000000000000000000
  port: 9090
  protocol: grpc
  sla:
    availability: 99
    window: 4w
    latency: {p50: 5ms, p90: 20ms, p95: 1s, p99: 1m30s}
`,
}

// TestBackstageAcceptsEveryEntry runs Backstage's own validators (see
// testdata/backstage/validate.js) on the catalog-info.yaml kiln writes for
// every example and for edgeApps, and on a broken entry, which they must
// reject: proof that the validator runs and judges.
func TestBackstageAcceptsEveryEntry(t *testing.T) {
	node := needBackstage(t)
	dir := t.TempDir()
	var files []string
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	for _, b := range examples(t) {
		write(filepath.Base(filepath.Dir(b.name)), b.files["catalog-info.yaml"])
	}
	for name, src := range edgeApps {
		write("edge-"+name, buildSource(t, name+"/kiln.yaml", []byte(src)).files["catalog-info.yaml"])
	}
	// An annotation Backstage reads as a number is refused.
	broken := bytes.Replace(buildSource(t, "website/kiln.yaml", []byte(edgeApps["website"])).files["catalog-info.yaml"],
		[]byte("name: docs-site"), []byte("name: docs-site\n  annotations: {kiln.dev/sla-availability: 99.9}"), 1)
	write("broken", broken)
	got := runBackstage(t, node, files)
	for _, f := range files {
		v := got[f]
		switch {
		case strings.HasSuffix(f, "broken.yaml"):
			if v.Error == "" {
				t.Errorf("Backstage accepted a broken entry, so the validator does not judge:\n%s", broken)
			}
		case v.Error != "" || v.Entities != 1:
			data, _ := os.ReadFile(f)
			t.Errorf("Backstage rejects %s: %s (%d entities)\n%s", filepath.Base(f), v.Error, v.Entities, data)
		}
	}
}

// TestWebsite checks the entry's type: Backstage's website for a static
// site, service for the rest.
func TestWebsite(t *testing.T) {
	for src, want := range map[string]string{edgeApps["website"]: "website", edgeApps["strings"]: "service"} {
		b := buildSource(t, "kiln.yaml", []byte(src))
		if got, _ := fieldpath.Resolve(b.res.Catalog.Content, fieldpath.Parse("spec.type")); got != want {
			t.Errorf("spec.type = %v, want %s", got, want)
		}
	}
}
