package helm_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/helm"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

// buildExample builds an example without its spec.patches (Helm values
// cannot express them; kiln warns about that) and with every output.
func buildExample(t *testing.T, path string) (*build.Result, map[string][]byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := schema.Load()
	v, _ := validate.For("")
	doc, ds := load.Load(source.NewFile(path, src), load.Options{Root: filepath.Dir(path)})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a.Spec.Patches = nil
	res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, SLO: true, Helm: true}})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	return res, files
}

func chartFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := helm.ChartFiles()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestChartRendersKilnsObjects renders kiln's chart with Helm's own engine,
// with values.yaml and values-<env>.yaml merged as helm install -f merges
// them, and requires the same objects as rendered/<env>.yaml, compared as
// parsed objects.
func TestChartRendersKilnsObjects(t *testing.T) {
	files := chartFiles(t)
	var buffered []*archive.BufferedFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		buffered = append(buffered, &archive.BufferedFile{Name: name, Data: files[name]})
	}
	chrt, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("../../examples/*/kiln.*")
	if len(examples) < 5 {
		t.Fatalf("examples: %v", examples)
	}
	for _, ex := range examples {
		res, files := buildExample(t, ex)
		dir := t.TempDir()
		for name, data := range files {
			if strings.HasPrefix(name, "helm/") {
				os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o644)
			}
		}
		for _, env := range res.Envs {
			opts := values.Options{ValueFiles: []string{filepath.Join(dir, "values.yaml"), filepath.Join(dir, "values-"+env.Name+".yaml")}}
			vals, err := opts.MergeValues(nil)
			if err != nil {
				t.Fatal(err)
			}
			rv, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: res.App.Metadata.Name, Namespace: "default"}, common.DefaultCapabilities)
			if err != nil {
				t.Fatal(err)
			}
			out, err := engine.Render(chrt, rv)
			if err != nil {
				t.Fatalf("%s %s: helm template: %v", ex, env.Name, err)
			}
			var stream []string
			for _, name := range slices.Sorted(maps.Keys(out)) {
				if strings.TrimSpace(out[name]) != "" && strings.HasSuffix(name, ".yaml") {
					stream = append(stream, out[name])
				}
			}
			got := canonical(t, strings.Join(stream, "\n---\n"))
			rendered, err := compile.YAML(env.Objects)
			if err != nil {
				t.Fatal(err)
			}
			want := canonical(t, string(rendered))
			if strings.Count(want, "kind:") < 4 {
				t.Fatalf("%s %s: kiln rendered too little to compare:\n%s", ex, env.Name, want)
			}
			if got != want {
				t.Errorf("%s %s: the chart renders other objects than kiln\n--- helm\n%s\n--- kiln\n%s", ex, env.Name, got, want)
			}
		}
	}
}

// TestChartLints runs helm lint on the chart with each example's values.
func TestChartLints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kiln-app")
	for name, data := range chartFiles(t) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	examples, _ := filepath.Glob("../../examples/*/kiln.*")
	for _, ex := range append(examples, "") {
		vals := map[string]any{}
		if ex != "" {
			_, files := buildExample(t, ex)
			if err := yaml.Unmarshal(files["helm/values.yaml"], &vals); err != nil {
				t.Fatal(err)
			}
		}
		l := lint.RunAll(dir, vals, "default")
		for _, m := range l.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("helm lint %s: %s", ex, m.Error())
			}
		}
	}
}

func canonical(t *testing.T, stream string) string {
	t.Helper()
	var docs []string
	for _, d := range strings.Split(stream, "\n---\n") {
		if strings.TrimSpace(d) == "" || strings.TrimSpace(d) == "---" {
			continue
		}
		var v any
		if err := yaml.Unmarshal([]byte(d), &v); err != nil {
			t.Fatalf("%v\n%s", err, d)
		}
		if v == nil {
			continue
		}
		b, _ := yaml.Marshal(v)
		docs = append(docs, string(b))
	}
	slices.Sort(docs)
	return strings.Join(docs, "---\n")
}
