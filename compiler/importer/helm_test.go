package importer_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/helm"
	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/workspace"
)

// kiln's own chart, rendered by Helm's engine as helm template renders it
// (each document under its "# Source:" comment) with the values kiln
// builds for each example, imports back into an app whose objects are
// the chart's: the round trip is proven, and findings name the chart's
// templates.
func TestHelmTemplateOfKilnsChart(t *testing.T) {
	files, err := helm.ChartFiles()
	if err != nil {
		t.Fatal(err)
	}
	var buffered []*archive.BufferedFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		buffered = append(buffered, &archive.BufferedFile{Name: name, Data: files[name]})
	}
	chrt, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ex := range []string{"minimal", "reference", "stateful", "nightly", "worker", "sidecar"} {
		t.Run(ex, func(t *testing.T) {
			dir := filepath.Join("../../examples", ex)
			w, err := workspace.Open(ctx, workspace.Options{Dir: dir, NoPolicy: true})
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.Build(ctx, []string{dir}, workspace.BuildOptions{Results: true, Emit: build.Artifacts{K8s: true, Helm: true}})
			if err != nil || len(b.Apps) != 1 || !b.Apps[0].Built {
				t.Fatalf("build: %v %v", err, b.Diagnostics)
			}
			a := b.Apps[0]
			env := a.Result.Envs[0].Name
			vals := map[string]any{}
			for _, name := range []string{"helm/values.yaml", "helm/values-" + env + ".yaml"} {
				var v map[string]any
				if err := yaml.Unmarshal(a.Files[name], &v); err != nil {
					t.Fatal(err)
				}
				vals = util.MergeTables(v, vals)
			}
			stream := helmTemplate(t, chrt, vals, a.Name)
			f := source.NewFile("helm-template.yaml", []byte(stream))
			r, ds := importer.Files([]*source.File{f}, options(t, ""))
			if e := errorsOf(ds); e != "" || r == nil || len(r.Apps) != 1 {
				t.Fatalf("import failed:\n%s\n%s", e, stream)
			}
			imp := r.Apps[0]
			if len(imp.Lost) > 0 || len(r.Dropped) > 0 {
				t.Errorf("lost %+v, dropped %d", imp.Lost, len(r.Dropped))
			}
			t.Logf("%s: %d objects, %d imported without patches", ex, len(imp.Objects), len(imp.Objects)-imp.Patched)
			if imp.Patched > 0 && !strings.Contains(string(imp.Definition), "(kiln-app/templates/") {
				t.Errorf("the patches do not name the chart's templates:\n%s", imp.Definition)
			}
		})
	}
}

// A real chart (podinfo's, testdata/fixtures/podinfo-chart) rendered by
// Helm's engine with its production values, as helm template podinfo
// -f values-prod.yaml renders it, imports with its round trip proven for
// the apps, and what kiln cannot carry named: the chart's test and hook
// Pods.
func TestHelmTemplateOfPodinfo(t *testing.T) {
	chrt, err := loader.LoadDir("testdata/fixtures/podinfo-chart")
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]any
	data, err := os.ReadFile("testdata/fixtures/podinfo-chart/values-prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &vals); err != nil {
		t.Fatal(err)
	}
	stream := helmTemplate(t, chrt, vals, "podinfo")
	f := source.NewFile("podinfo-helm-template.yaml", []byte(stream))
	r, ds := importer.Files([]*source.File{f}, options(t, "team-podinfo"))
	if e := errorsOf(ds); e != "" || r == nil {
		t.Fatalf("import failed:\n%s\n%s", e, stream)
	}
	objects, clean, fields, patched := 0, 0, 0, 0
	var apps []string
	for _, a := range r.Apps {
		apps = append(apps, a.Name)
		if len(a.Lost) > 0 {
			t.Errorf("app %s lost %+v", a.Name, a.Lost)
		}
		objects += len(a.Objects)
		clean += len(a.Objects) - a.Patched
		fields += a.Fields
		patched += a.PatchedFields
	}
	var dropped []string
	for _, o := range r.Dropped {
		dropped = append(dropped, o.Key.Kind+"/"+o.Key.Name)
	}
	t.Logf("podinfo chart: %d objects, apps %v: %d carried, %d (%.0f%% of all) without patches; of their %d values %.0f%% said by the model; not carried: %v",
		r.Objects, apps, objects, clean, 100*float64(clean)/float64(r.Objects), fields, 100-100*float64(patched)/float64(fields), dropped)
	if !slices.Equal(apps, []string{"podinfo", "podinfo-redis"}) {
		t.Errorf("apps %v", apps)
	}
	// Redis's configuration is mounted as a directory, not file by file
	// (spec.files), and the chart's tests are Helm hooks.
	hooks := 0
	for _, d := range ds {
		if d.Code == "import/helm-hook" {
			hooks++
		}
	}
	if len(dropped) != 4 || dropped[0] != "ConfigMap/podinfo-redis" || hooks != 3 {
		t.Errorf("not carried %v, %d hooks", dropped, hooks)
	}
}

// helmTemplate renders chrt with vals for a release as helm template
// prints it: each document of a template under its "# Source:" comment.
func helmTemplate(t *testing.T, chrt *chart.Chart, vals map[string]any, release string) string {
	t.Helper()
	rv, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, common.ReleaseOptions{Name: release, Namespace: "default", IsInstall: true}, common.DefaultCapabilities, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(chrt, rv)
	if err != nil {
		t.Fatal(err)
	}
	var stream strings.Builder
	for _, name := range slices.Sorted(maps.Keys(out)) {
		if strings.TrimSpace(out[name]) != "" && strings.HasSuffix(name, ".yaml") {
			fmt.Fprintf(&stream, "---\n# Source: %s\n%s\n", name, strings.TrimSpace(out[name]))
		}
	}
	return stream.String()
}
