package helm_test

import (
	"bytes"
	"encoding/json"
	"flag"
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
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/helm"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// buildExample builds an example without its spec.patches (Helm values
// cannot express them; kiln warns about that) and with every output.
func buildExample(t *testing.T, path string) (*build.Result, map[string][]byte) {
	t.Helper()
	res := buildtest.Build(t, path, nil, build.Options{Emit: build.Artifacts{K8s: true, SLO: true, Helm: true}},
		func(a *app.App) { a.Spec.Patches = nil })
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

// inputs are the definitions the chart is tried with: every example, and
// fixtures for what the examples lack (Ingress class, annotations and TLS
// per environment, every PodDisruptionBudget form).
func inputs(t *testing.T) []string {
	t.Helper()
	examples, _ := filepath.Glob("../../examples/*/kiln.*")
	more, _ := filepath.Glob("../../examples/*/*/kiln.*") // a directory of apps (shop)
	if len(examples) < 5 || len(more) < 2 {
		t.Fatalf("examples: %v %v", examples, more)
	}
	examples = append(examples, more...)
	fixtures, _ := filepath.Glob("testdata/*/kiln.*")
	return append(examples, fixtures...)
}

func loadChart(t *testing.T) *chartv2.Chart {
	t.Helper()
	files := chartFiles(t)
	var buffered []*archive.BufferedFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		buffered = append(buffered, &archive.BufferedFile{Name: name, Data: files[name]})
	}
	chrt, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatal(err)
	}
	return chrt
}

// writeValues writes the Helm values kiln built into a directory.
func writeValues(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if strings.HasPrefix(name, "helm/") {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// helmTemplate renders the chart as helm template RELEASE -f values.yaml
// -f values-<env>.yaml does: the files merged, coalesced with the chart's
// defaults and checked against its values.schema.json, then rendered by
// Helm's engine. It returns the manifests and NOTES.txt.
func helmTemplate(t *testing.T, chrt *chartv2.Chart, dir, env, release string) (string, string) {
	t.Helper()
	opts := values.Options{ValueFiles: []string{filepath.Join(dir, "values.yaml"), filepath.Join(dir, "values-"+env+".yaml")}}
	vals, err := opts.MergeValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	ns := "default" // as helm install --namespace <the app's> would
	if n, ok := vals["namespace"].(string); ok {
		ns = n
	}
	rv, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, common.ReleaseOptions{Name: release, Namespace: ns, IsInstall: true}, common.DefaultCapabilities, false)
	if err != nil {
		t.Fatalf("%s %s: values: %v", dir, env, err)
	}
	out, err := engine.Render(chrt, rv)
	if err != nil {
		t.Fatalf("%s %s: helm template: %v", dir, env, err)
	}
	var stream []string
	for _, name := range slices.Sorted(maps.Keys(out)) {
		if strings.TrimSpace(out[name]) != "" && strings.HasSuffix(name, ".yaml") {
			stream = append(stream, out[name])
		}
	}
	return strings.Join(stream, "\n---\n"), out["kiln-app/templates/NOTES.txt"]
}

// TestChartRendersKilnsObjects renders kiln's chart with Helm's own engine,
// for every example and fixture and every environment, with values.yaml
// and values-<env>.yaml merged as helm install -f merges them and the
// release named as the app, and requires the same objects as
// rendered/<env>.yaml, compared as parsed objects, and no null anywhere.
func TestChartRendersKilnsObjects(t *testing.T) {
	chrt := loadChart(t)
	kinds := map[string]bool{}
	for _, ex := range inputs(t) {
		res, files := buildExample(t, ex)
		dir := writeValues(t, files)
		for _, env := range res.Envs {
			stream, _ := helmTemplate(t, chrt, dir, env.Name, res.App.Metadata.Name)
			got := objectsByKey(t, stream)
			want := objectsByKey(t, string(files["rendered/"+env.Name+".yaml"]))
			if len(want) < 3 { // a ServiceAccount, the workload and a NetworkPolicy at least
				t.Fatalf("%s %s: kiln rendered too little to compare: %v", ex, env.Name, slices.Sorted(maps.Keys(want)))
			}
			for _, key := range slices.Sorted(maps.Keys(want)) {
				if g, ok := got[key]; !ok {
					t.Errorf("%s %s: the chart renders no %s", ex, env.Name, key)
				} else if g != want[key] {
					t.Errorf("%s %s: the chart renders %s otherwise than kiln\n%s", ex, env.Name, key, lineDiff(g, want[key]))
				}
			}
			for _, key := range slices.Sorted(maps.Keys(got)) {
				if _, ok := want[key]; !ok {
					t.Errorf("%s %s: the chart renders %s, which kiln does not", ex, env.Name, key)
				}
				if strings.Contains(got[key], ": null") {
					t.Errorf("%s %s: the chart renders a null in %s:\n%s", ex, env.Name, key, got[key])
				}
			}
			for _, o := range env.Objects {
				for _, f := range forms(o) {
					kinds[f] = true
				}
			}
		}
	}
	// What the comparison must have covered.
	for _, k := range []string{"Ingress", "Ingress tls", "Ingress ingressClassName", "Ingress annotations", "PodDisruptionBudget minAvailable", "PodDisruptionBudget maxUnavailable", "HorizontalPodAutoscaler", "PrometheusRule",
		"Deployment", "StatefulSet", "StatefulSet volumeClaimTemplates", "DaemonSet", "Job", "CronJob", "CronJob timeZone", "ConfigMap", "ExternalSecret"} {
		if !kinds[k] {
			t.Errorf("no input renders %s", k)
		}
	}
}

// forms names the variants of an object the comparison must cover.
func forms(o compile.Object) []string {
	spec, _ := o.Content["spec"].(map[string]any)
	out := []string{o.Kind}
	for _, f := range []string{"tls", "ingressClassName", "minAvailable", "maxUnavailable", "volumeClaimTemplates", "timeZone"} {
		if _, ok := spec[f]; ok {
			out = append(out, o.Kind+" "+f)
		}
	}
	meta, _ := o.Content["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	for k := range annotations {
		if o.Kind == "Ingress" && !strings.HasPrefix(k, "kiln.dev/") {
			out = append(out, "Ingress annotations")
		}
	}
	return out
}

// lineDiff shows the lines only one side has, in order.
func lineDiff(helm, kiln string) string {
	h, k := strings.Split(helm, "\n"), strings.Split(kiln, "\n")
	var b strings.Builder
	for _, l := range h {
		if !slices.Contains(k, l) {
			b.WriteString("helm: " + l + "\n")
		}
	}
	for _, l := range k {
		if !slices.Contains(h, l) {
			b.WriteString("kiln: " + l + "\n")
		}
	}
	return b.String()
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

// objectsByKey parses a stream of manifests into its objects, keyed by
// kind/name, each as canonical YAML (keys sorted).
func objectsByKey(t *testing.T, stream string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range strings.Split(stream, "\n---\n") {
		if strings.TrimSpace(d) == "" || strings.TrimSpace(d) == "---" {
			continue
		}
		var v map[string]any
		if err := yaml.Unmarshal([]byte(d), &v); err != nil {
			t.Fatalf("%v\n%s", err, d)
		}
		if v == nil {
			continue
		}
		name, _ := fieldpath.Resolve(v, fieldpath.Parse("metadata.name"))
		key := fmt.Sprintf("%v/%v", v["kind"], name)
		if _, dup := out[key]; dup {
			t.Fatalf("%s twice in one stream", key)
		}
		b, _ := yaml.Marshal(v)
		out[key] = string(b)
	}
	return out
}

var update = flag.Bool("update", false, "rewrite chart/values.schema.json")

// TestValuesSchemaUpToDate keeps the chart's values.schema.json equal to
// what helm.ValuesSchema generates.
func TestValuesSchemaUpToDate(t *testing.T) {
	got, err := helm.ValuesSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("chart/values.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, chartFiles(t)["values.schema.json"]) {
		t.Fatal("compiler/helm/chart/values.schema.json is stale: it differs from what helm.ValuesSchema generates; run: go test ./compiler/helm -run TestValuesSchemaUpToDate -update")
	}
}

// TestValuesSchemaKnowsEveryValue: the schema names exactly the keys the
// chart's defaults set, and every key kiln writes for any input.
func TestValuesSchemaKnowsEveryValue(t *testing.T) {
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(chartFiles(t)["values.schema.json"], &schema); err != nil {
		t.Fatal(err)
	}
	known := slices.Sorted(maps.Keys(schema.Properties))
	var defaults map[string]any
	if err := yaml.Unmarshal(chartFiles(t)["values.yaml"], &defaults); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(defaults)); !slices.Equal(got, known) {
		t.Errorf("chart/values.yaml sets %v; values.schema.json knows %v", got, known)
	}
	for _, ex := range inputs(t) {
		res, _ := buildExample(t, ex)
		for _, env := range append(res.Envs, res.Base) {
			for k := range env.HelmValues {
				if !slices.Contains(known, k) {
					t.Errorf("%s %s: kiln writes value %q, which values.schema.json does not know", ex, env.Name, k)
				}
			}
		}
	}
}

// TestValuesSchemaRejectsMistakes: Helm refuses values the chart would
// ignore or misrender, before it renders anything.
func TestValuesSchemaRejectsMistakes(t *testing.T) {
	chrt := loadChart(t)
	_, files := buildExample(t, "../../examples/reference/kiln.yaml")
	for _, tc := range []struct{ set, want string }{
		{"replica: 3", "additional properties 'replica' not allowed"},
		{"ingress: {host: a.example.com, tls: {secret: x}}", "additional properties 'secret' not allowed"},
		{"autoscaling: {minReplicas: 1, maxReplicas: 0, targetCPUUtilizationPercentage: 70}", "maxReplicas"},
		{"containerPort: http", "containerPort"},
	} {
		var vals, set map[string]any
		yaml.Unmarshal(files["helm/values.yaml"], &vals)
		if err := yaml.Unmarshal([]byte(tc.set), &set); err != nil {
			t.Fatal(err)
		}
		maps.Copy(vals, set)
		_, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, common.ReleaseOptions{Name: "checkout", Namespace: "default"}, common.DefaultCapabilities, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error about %s", tc.set, err, tc.want)
		}
	}
}

// TestChartRefusesAReleaseInAnotherNamespace: an app that names its
// namespace renders only into a release of that namespace, and says so.
func TestChartRefusesAReleaseInAnotherNamespace(t *testing.T) {
	chrt := loadChart(t)
	_, files := buildExample(t, "../../examples/shop/payments/kiln.yaml")
	var vals map[string]any
	if err := yaml.Unmarshal(files["helm/values.yaml"], &vals); err != nil {
		t.Fatal(err)
	}
	for ns, want := range map[string]string{"payments": "", "default": "this app lives in namespace payments (metadata.namespace): install it with --namespace payments"} {
		rv, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, common.ReleaseOptions{Name: "payments", Namespace: ns, IsInstall: true}, common.DefaultCapabilities, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = engine.Render(chrt, rv)
		if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("release in %s: got %v, want %q", ns, err, want)
		}
	}
}

// TestReleasesBesideEachOther installs one app's chart under several
// release names, as helm install would in one namespace: each release's
// objects are named apart (the release name when it contains the app's
// name, else <release>-<app>), carry the release as their instance, select
// only their own pods, and refer to each other by the release's names.
func TestReleasesBesideEachOther(t *testing.T) {
	chrt := loadChart(t)
	res, files := buildExample(t, "../../examples/reference/kiln.yaml")
	dir := writeValues(t, files)
	names := map[string]string{}
	for release, want := range map[string]string{"checkout": "checkout", "checkout-canary": "checkout-canary", "blue": "blue-checkout"} {
		stream, notes := helmTemplate(t, chrt, dir, "prod", release)
		for _, doc := range strings.Split(stream, "\n---\n") {
			var o map[string]any
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil || o == nil {
				continue
			}
			kind := o["kind"].(string)
			get := func(path string) any { v, _ := fieldpath.Resolve(o, fieldpath.Parse(path)); return v }
			if got := get("metadata.name"); got != want {
				t.Errorf("release %s: %s is named %v, want %s", release, kind, got, want)
			}
			if other, dup := names[kind+"/"+want]; dup && other != release {
				t.Errorf("releases %s and %s both name a %s %s", other, release, kind, want)
			}
			names[kind+"/"+want] = release
			if got := get("metadata.labels[\"app.kubernetes.io/instance\"]"); got != release {
				t.Errorf("release %s: %s's instance label is %v", release, kind, got)
			}
			for _, sel := range []string{"spec.selector.matchLabels", "spec.selector", "spec.podSelector.matchLabels", "spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels"} {
				m, ok := get(sel).(map[string]any)
				if !ok || m["app.kubernetes.io/name"] == nil {
					continue
				}
				if m["app.kubernetes.io/instance"] != release || m["app.kubernetes.io/name"] != res.App.Metadata.Name {
					t.Errorf("release %s: %s %s = %v selects other releases' pods", release, kind, sel, m)
				}
			}
			// The job the SLO rules select (job="<app>") is the one the
			// operator gives the scraped Service: its jobLabel's value.
			if kind == "ServiceMonitor" {
				if get("spec.jobLabel") != "app.kubernetes.io/name" {
					t.Errorf("release %s: the ServiceMonitor's job would be the Service's name %s, not the app's", release, want)
				}
			}
			if kind == "Service" && get("metadata.labels[\"app.kubernetes.io/name\"]") != res.App.Metadata.Name {
				t.Errorf("release %s: the Service has no app.kubernetes.io/name %s for the job", release, res.App.Metadata.Name)
			}
			for _, ref := range []string{"spec.template.spec.serviceAccountName", "spec.scaleTargetRef.name", "spec.rules[0].http.paths[0].backend.service.name"} {
				if v := get(ref); v != nil && v != want {
					t.Errorf("release %s: %s %s = %v, want %s", release, kind, ref, v, want)
				}
			}
		}
		for _, line := range []string{"rollout status deployment/" + want, "http://checkout.example.com/"} {
			if !strings.Contains(notes, line) {
				t.Errorf("release %s: NOTES.txt lacks %q:\n%s", release, line, notes)
			}
		}
	}
	if len(names) < 7*3 {
		t.Errorf("too few objects compared: %v", names)
	}
}

// TestNotesSayHowTheAppIsReached: over HTTPS with TLS, by port-forward
// without an Ingress, and not at all without a port; and how to watch it,
// as its kind rolls out or runs.
func TestNotesSayHowTheAppIsReached(t *testing.T) {
	chrt := loadChart(t)
	for _, tc := range []struct{ input, env, want string }{
		{"testdata/shop/kiln.yaml", "prod", "https://shop.example.org/shop"},
		{"../../examples/minimal/kiln.yaml", "default", "port-forward service/hello 8080"},
		{"../../examples/worker/kiln.yaml", "prod", "listens on no port"},
		{"../../examples/minimal/kiln.yaml", "default", "\n\nWatch it roll out:\n  kubectl --namespace default rollout status deployment/hello"},
		{"../../examples/stateful/kiln.yaml", "prod", "rollout status statefulset/ledger-store"},
		{"../../examples/nightly/kiln.yaml", "prod", "\n\nWatch its runs:\n  kubectl --namespace default get jobs -l app.kubernetes.io/instance=nightly-report"},
	} {
		res, files := buildExample(t, tc.input)
		_, notes := helmTemplate(t, chrt, writeValues(t, files), tc.env, res.App.Metadata.Name)
		if !strings.Contains(notes, tc.want) {
			t.Errorf("%s %s: NOTES.txt lacks %q:\n%s", tc.input, tc.env, tc.want, notes)
		}
	}
}

// TestAppVersion: the generic chart states no appVersion; SetAppVersion
// writes one that Helm reads, and refuses what is not one line.
func TestAppVersion(t *testing.T) {
	if c := loadChart(t); c.Metadata.AppVersion != "" {
		t.Errorf("the generic chart claims appVersion %q", c.Metadata.AppVersion)
	}
	files := chartFiles(t)
	if err := helm.SetAppVersion(files, "1.4.2"); err != nil {
		t.Fatal(err)
	}
	var buffered []*archive.BufferedFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		buffered = append(buffered, &archive.BufferedFile{Name: name, Data: files[name]})
	}
	c, err := loader.LoadFiles(buffered)
	if err != nil || c.Metadata.AppVersion != "1.4.2" {
		t.Errorf("appVersion = %q, %v", c.Metadata.AppVersion, err)
	}
	for _, bad := range []string{"", "1\n2"} {
		if err := helm.SetAppVersion(chartFiles(t), bad); err == nil {
			t.Errorf("SetAppVersion(%q) accepted", bad)
		}
	}
}
