package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/cli-runtime/pkg/genericclioptions"

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

// helmNamespace is where the Helm test installs, apart from the dry runs.
const helmNamespace = "kiln-helm"

// TestHelmUpgradeBetweenEnvironments installs an app with kiln's chart and
// one environment's values on the real API server, as helm install does,
// then upgrades the release to another environment's values and then a
// third's, as helm upgrade does. After each step the server holds exactly
// the objects kiln renders for that environment: every field kiln writes
// has kiln's value (but the managed-by label, which Helm sets to Helm);
// what the environment drops is gone (the PodDisruptionBudget's other
// form, the previous Ingress class's annotations, an image tag's version
// label, whole objects); and nothing is null. A second release of the app
// then installs beside the first.
func TestHelmUpgradeBetweenEnvironments(t *testing.T) {
	res, files := buildForHelm(t, "../compiler/helm/testdata/shop/kiln.yaml")
	chrt := kilnChart(t)
	dir := t.TempDir()
	for name, data := range files {
		if strings.HasPrefix(name, "helm/") {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if status, err := theCluster.create(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": helmNamespace}}, false); err != nil && status != http.StatusConflict {
		t.Fatal(err)
	}
	cfg := helmConfig(t)
	envs := map[string]build.Env{}
	for _, e := range res.Envs {
		envs[e.Name] = e
	}
	vals := func(env string) map[string]any {
		opts := values.Options{ValueFiles: []string{filepath.Join(dir, "values.yaml"), filepath.Join(dir, "values-"+env+".yaml")}}
		v, err := opts.MergeValues(nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	name := res.App.Metadata.Name

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = name, helmNamespace
	install.WaitStrategy = kube.HookOnlyStrategy // no kubelet here: nothing becomes ready
	if _, err := install.Run(chrt, vals("staging")); err != nil {
		t.Fatalf("helm install with values-staging.yaml: %v", err)
	}
	assertLive(t, envs["staging"], nil)

	// Staging to prod: the PDB switches to maxUnavailable, an autoscaler
	// appears, the Ingress changes class, host, path, TLS and annotations,
	// the image is pinned by digest, so the version label goes.
	upgrade(t, cfg, name, chrt, vals("prod"))
	assertLive(t, envs["prod"], map[string][]string{
		"PodDisruptionBudget": {"spec", "minAvailable"},
		"Ingress":             {"metadata", "annotations", "traefik.ingress.kubernetes.io/router.entrypoints"},
		"Deployment":          {"metadata", "labels", compile.LabelVersion},
	})

	// Prod to dev: one replica, so no PodDisruptionBudget and no autoscaler.
	upgrade(t, cfg, name, chrt, vals("dev"))
	assertLive(t, envs["dev"], map[string][]string{"PodDisruptionBudget": nil, "HorizontalPodAutoscaler": nil})

	// A second release of the app, in the same namespace, installs beside
	// the first: its objects are named blue-shop and select its own pods.
	second := action.NewInstall(cfg)
	second.ReleaseName, second.Namespace = "blue", helmNamespace
	second.WaitStrategy = kube.HookOnlyStrategy
	if _, err := second.Run(chrt, vals("prod")); err != nil {
		t.Fatalf("a second release of %s in one namespace: %v", name, err)
	}
	live := getLive(t, "v1", "Service", "blue-"+name)
	if sel := fmt.Sprint(live["spec"].(map[string]any)["selector"]); sel != "map[app.kubernetes.io/instance:blue app.kubernetes.io/name:shop]" {
		t.Errorf("the second release's Service selects %s", sel)
	}
	assertLive(t, envs["dev"], nil) // the first release is untouched
}

func upgrade(t *testing.T, cfg *action.Configuration, name string, chrt *chartv2.Chart, vals map[string]any) {
	t.Helper()
	up := action.NewUpgrade(cfg)
	up.Namespace = helmNamespace
	up.WaitStrategy = kube.HookOnlyStrategy
	if _, err := up.Run(name, chrt, vals); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
}

// assertLive checks that the server holds every object of env with every
// field kiln wrote, at kiln's value, and nothing that gone lists: a field path that must be absent, or, for a nil
// path, the whole kind.
func assertLive(t *testing.T, env build.Env, gone map[string][]string) {
	t.Helper()
	for _, o := range env.Objects {
		live := getLive(t, o.APIVersion, o.Kind, o.Name)
		if live == nil {
			t.Errorf("%s: %s/%s is not on the server", env.Name, o.Kind, o.Name)
			continue
		}
		var want map[string]any
		b, _ := json.Marshal(o.Content)
		json.Unmarshal(b, &want)
		// Helm stamps its ownership label on every object it installs,
		// over the chart's (kiln's) value; the pods keep kiln's.
		want["metadata"].(map[string]any)["labels"].(map[string]any)[compile.LabelManagedBy] = "Helm"
		for _, d := range subset("", want, live) {
			t.Errorf("%s: %s/%s: %s", env.Name, o.Kind, o.Name, d)
		}
		if path, ok := gone[o.Kind]; ok && path != nil {
			if v, found := lookup(live, path); found {
				t.Errorf("%s: %s/%s still has %s = %v", env.Name, o.Kind, o.Name, strings.Join(path, "."), v)
			}
		}
	}
	for kind, path := range gone {
		if path == nil && getLive(t, apiVersionOf(kind), kind, env.Objects[0].Name) != nil {
			t.Errorf("%s: the %s of an earlier environment is still on the server", env.Name, kind)
		}
	}
}

// subset lists where got lacks a value of want or holds another; what the
// server adds (defaults, status) is not compared. Nulls are differences.
func subset(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s = %v, want a mapping", path, got)}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s is missing, want %v", path, k, w[k]))
				continue
			}
			out = append(out, subset(path+"."+k, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s = %v, want %v", path, got, want)}
		}
		var out []string
		for i := range w {
			out = append(out, subset(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if want == nil || got == nil || fmt.Sprint(want) != fmt.Sprint(got) {
		return []string{fmt.Sprintf("%s = %v, want %v", path, got, want)}
	}
	return nil
}

func lookup(v any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

func apiVersionOf(kind string) string {
	return map[string]string{"PodDisruptionBudget": "policy/v1", "HorizontalPodAutoscaler": "autoscaling/v2"}[kind]
}

// getLive reads one object of helmNamespace from the server; nil when it
// does not exist.
func getLive(t *testing.T, apiVersion, kind, name string) map[string]any {
	t.Helper()
	plural := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(plural, "y"):
		plural = strings.TrimSuffix(plural, "y") + "ies"
	case strings.HasSuffix(plural, "s"):
		plural += "es"
	default:
		plural += "s"
	}
	prefix := "/apis/" + apiVersion
	if apiVersion == "v1" {
		prefix = "/api/v1"
	}
	status, body, err := theCluster.do("GET", prefix+"/namespaces/"+helmNamespace+"/"+plural+"/"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		t.Fatalf("GET %s/%s: %d %s", kind, name, status, body)
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// helmConfig is Helm's action configuration for the test's API server,
// through a kubeconfig as helm reads one, storing releases as Secrets.
func helmConfig(t *testing.T) *action.Configuration {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	conf := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: %q}}]
contexts: [{name: e2e, context: {cluster: e2e, user: admin, namespace: %s}}]
current-context: e2e
`, theCluster.base, theCluster.token, helmNamespace)
	if err := os.WriteFile(kubeconfig, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(true)
	ns := helmNamespace
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, helmNamespace, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// kilnChart is kiln's chart, as kiln chart DIR writes it.
func kilnChart(t *testing.T) *chartv2.Chart {
	t.Helper()
	files, err := helm.ChartFiles()
	if err != nil {
		t.Fatal(err)
	}
	var buffered []*archive.BufferedFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		buffered = append(buffered, &archive.BufferedFile{Name: name, Data: files[name]})
	}
	c, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// buildForHelm builds a definition with its manifests and Helm values.
func buildForHelm(t *testing.T, path string) (*build.Result, map[string][]byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := schema.Load()
	v, err := validate.For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := load.Load(source.NewFile(path, src), load.Options{Root: filepath.Dir(path)})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, Helm: true}})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	return res, files
}
