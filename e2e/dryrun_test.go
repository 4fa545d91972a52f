package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kiln "github.com/kilnhq/kiln/compiler/app"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/team"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/appgen"
)

// kilnBuild runs kiln's pipeline on one definition with every output, SLO
// alerts, their routing (AlertmanagerConfig) and the GrafanaDashboard
// included, and returns what it built and what it reported.
func kilnBuild(t *testing.T, name string, src []byte) (*build.Result, diag.List) {
	t.Helper()
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.For("1.37")
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := load.Load(source.NewFile(name, src), load.Options{Root: filepath.Dir(name)})
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	return build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, SLO: true, Alerts: true, Dashboard: true}, Apps: exampleApps(t)})
}

// examplePaths are the shipped examples' definitions, those of a
// directory holding several apps (examples/shop) included.
func examplePaths(t *testing.T) []string {
	paths, _ := filepath.Glob("../examples/*/kiln.*")
	more, _ := filepath.Glob("../examples/*/*/kiln.*")
	if len(paths) < 5 || len(more) < 2 {
		t.Fatalf("examples: %v %v", paths, more)
	}
	return append(paths, more...)
}

// exampleApps finds the examples' apps by name, for spec.dependsOn, as a
// repository's are found.
func exampleApps(t *testing.T) build.AppFinder {
	return func(name string) (*kiln.App, error) {
		s, err := schema.Load()
		if err != nil {
			return nil, err
		}
		for _, p := range examplePaths(t) {
			src, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			if doc, _ := load.Load(source.NewFile(p, src), load.Options{Root: filepath.Dir(p)}); doc != nil {
				if a, _ := check.Check(doc, s); a != nil && a.Metadata.Name == name {
					return a, nil
				}
			}
		}
		return nil, nil
	}
}

// A refusal is the API server's answer to one object it would not create.
type refusal struct {
	env, object string // "prod", "Deployment/checkout"
	err         error
}

func (r refusal) String() string { return fmt.Sprintf("%s %s: %v", r.env, r.object, r.err) }

// dryRun asks the API server to create every object of every environment,
// strictly and without storing anything, and returns its refusals.
func dryRun(t *testing.T, res *build.Result) []refusal {
	t.Helper()
	var refused []refusal
	for _, env := range res.Envs {
		for _, o := range env.Objects {
			if _, err := theCluster.create(o.Content, true); err != nil {
				refused = append(refused, refusal{env.Name, o.Key(), err})
			}
		}
	}
	return refused
}

// TestExamplesAreAccepted: every object kiln emits for every example and
// environment passes the API server's strict server-side dry run.
func TestExamplesAreAccepted(t *testing.T) {
	paths := examplePaths(t)
	objects := 0
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := kilnBuild(t, p, src)
		for _, env := range res.Envs {
			objects += len(env.Objects)
		}
		for _, r := range dryRun(t, res) {
			t.Errorf("%s: the API server refuses %s", p, r)
		}
	}
	if objects < 30 {
		t.Errorf("only %d objects were sent; the examples should give more", objects)
	}
}

// TestParity is a table of mistakes a kiln.yaml can cause that the API
// server refuses. For each, the server refuses the emitted objects, and
// kiln reported an error first, at a line of the definition, without a
// server. A row that fails the second check is a check kiln lacks.
func TestParity(t *testing.T) {
	const head = "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: parity, owner: team-p}\nspec:\n  image: nginx:1.27\n  port: 8080\n"
	patch := func(kind, op, path, value string) string {
		return head + "  scaling: {min: 2, max: 4}\n  ingress: {host: parity.example.com}\n  patches:\n    - target: {kind: " + kind + "}\n      patch: |-\n        - op: " + op +
			"\n          path: " + path + "\n          value: " + value + "\n"
	}
	for _, tc := range []struct{ name, src string }{
		{"selector does not match the template", patch("Deployment", "replace", "/spec/selector/matchLabels/app.kubernetes.io~1name", "other")},
		{"ingress host is not a DNS name", patch("Ingress", "replace", "/spec/rules/0/host", "Bad_Host.example.com")},
		{"port name over 15 characters", patch("Deployment", "replace", "/spec/template/spec/containers/0/ports/0/name", "a-very-long-port-name")},
		{"PDB with both bounds", patch("PodDisruptionBudget", "add", "/spec/maxUnavailable", "1")},
		{"HPA max below min by patch", patch("HorizontalPodAutoscaler", "replace", "/spec/maxReplicas", "1")},
		{"HPA max below min by environment", head + "  scaling: {min: 3, max: 5}\n  environments:\n    prod: {scaling: {max: 2}}\n"},
		{"unknown field by patch", patch("Deployment", "add", "/spec/replicass", "3")},
		{"wrong type by patch", patch("Service", "replace", "/spec/ports/0/port", "'http'")},
		{"label value too long", patch("Deployment", "add", "/metadata/labels/team", strings.Repeat("x", 64))},
		{"service port name not a DNS label", patch("Service", "replace", "/spec/ports/0/name", "HTTP_PORT")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, ds := kilnBuild(t, "kiln.yaml", []byte(tc.src))
			if res == nil {
				t.Fatalf("kiln built nothing: %v", ds)
			}
			refused := dryRun(t, res)
			if len(refused) == 0 {
				t.Fatalf("the API server accepts every object; the row does not test anything:\n%s", tc.src)
			}
			// Each refused object must have a positioned kiln error that names
			// it, or that kiln found while compiling the app (build/...).
			for _, r := range refused {
				var match *diag.Diagnostic
				for i, d := range ds {
					if d.Severity == diag.Error && d.Pos.Valid() &&
						(strings.Contains(d.Message, r.object+" ") || strings.HasPrefix(d.Code, "build/")) {
						match = &ds[i]
						break
					}
				}
				if match == nil {
					t.Errorf("the API server refuses %v, but kiln reported no positioned error about it:\n%v\n%s", r, ds, tc.src)
					continue
				}
				line, col := match.Pos.LineCol()
				t.Logf("kiln: kiln.yaml:%d:%d: %s [%s]\n    server: %v", line, col, match.Message, match.Code, r)
			}
		})
	}
}

// TestGeneratedAppsAreAccepted feeds a few hundred generated apps through
// the dry run: what kiln accepts, the API server must accept.
func TestGeneratedAppsAreAccepted(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 300
	if testing.Short() {
		n = 30
	}
	for i := range n {
		src := appgen.Random(r, i)
		res, ds := kilnBuild(t, "kiln.yaml", []byte(src))
		if ds.HasErrors() {
			t.Fatalf("app %d: kiln reports %v\n%s", i, ds, src)
		}
		for _, refusal := range dryRun(t, res) {
			t.Errorf("app %d: kiln accepted it, the API server refuses %s\n%s", i, refusal, src)
		}
	}
}

// TestEveryWorkloadKindIsAccepted: an app of each workload kind, beside
// the examples (a StatefulSet and a CronJob), with the settings of its
// kind, passes the strict dry run.
func TestEveryWorkloadKindIsAccepted(t *testing.T) {
	const head = "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: kinds, owner: team-k}\nspec:\n  image: nginx:1.27\n"
	for _, tc := range []struct{ name, src string }{
		{"DaemonSet", head + "  workload: {kind: DaemonSet}\n  port: 9100\n  sla: {availability: 99.9}\n"},
		{"Job", head + "  workload: {kind: Job, activeDeadlineSeconds: 600, backoffLimit: 1, completions: 4, parallelism: 2, ttlSecondsAfterFinished: 60}\n  health: {command: [/check]}\n"},
		{"CronJob", head + "  workload: {kind: CronJob, schedule: \"*/5 * * * *\", timeZone: Europe/Berlin, concurrencyPolicy: Replace, startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0, ttlSecondsAfterFinished: 60}\n"},
		{"StatefulSet without a port", head + "  workload: {kind: StatefulSet, podManagementPolicy: Parallel}\n  protocol: none\n  volumes:\n    data: {mountPath: /data, size: 1Gi, accessMode: ReadWriteOncePod}\n"},
		{"StatefulSet autoscaled", head + "  workload: {kind: StatefulSet}\n  port: 8080\n  scaling: {min: 2, max: 5}\n  volumes:\n    data: {mountPath: /data, size: 1Gi, storageClass: fast}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, ds := kilnBuild(t, "kiln.yaml", []byte(tc.src))
			if res == nil || ds.HasErrors() {
				t.Fatalf("kiln: %v", ds)
			}
			for _, r := range dryRun(t, res) {
				t.Errorf("the API server refuses %s", r)
			}
		})
	}
}

// TestTeamNamespacesAreAccepted: the team namespaces of examples/shop's
// apps (two owners; per owner and environment a Namespace, ResourceQuota,
// LimitRange, RoleBinding and default-deny NetworkPolicy) pass the API
// server's strict dry run. The apps' namespaces are renamed for the test
// so that each Namespace is one the cluster does not have yet.
func TestTeamNamespacesAreAccepted(t *testing.T) {
	apps, _ := shopTeams(t, func(ns string) string { return fmt.Sprintf("team-e2e-%s-%d", ns, rand.IntN(1<<30)) })
	plan, err := team.Make(apps, team.Options{Emit: true})
	if err != nil {
		t.Fatal(err)
	}
	objects := 0
	for _, env := range plan.Envs {
		for _, o := range env.Objects {
			objects++
			if _, err := theCluster.create(o.Content, true); err != nil {
				t.Errorf("the API server refuses %s %s: %v", env.Name, o.Key(), err)
			}
		}
	}
	if objects < 10 {
		t.Errorf("only %d team objects", objects)
	}
}

// shopTeams builds the apps of examples/shop and measures them for the
// team namespaces, each environment's namespace renamed by rename (so
// that each is one the cluster does not have yet); it returns the
// measures and the builds by app name.
func shopTeams(t *testing.T, rename func(ns string) string) ([]team.App, map[string]*build.Result) {
	t.Helper()
	paths, _ := filepath.Glob("../examples/shop/*/kiln.yaml")
	if len(paths) < 2 {
		t.Fatalf("examples/shop: %v", paths)
	}
	var apps []team.App
	results := map[string]*build.Result{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := kilnBuild(t, p, src)
		doc, _ := load.Load(source.NewFile(p, src), load.Options{Root: filepath.Dir(p)})
		a := team.Measure(doc, res)
		for i := range a.Envs {
			a.Envs[i].Namespace = rename(a.Envs[i].Namespace)
		}
		apps = append(apps, a)
		results[a.Name] = res
	}
	return apps, results
}

// TestTeamQuotaAdmitsTheAppsPods: with the team namespaces of
// examples/shop created for real (quota, LimitRange, RoleBinding,
// default-deny), the API server admits a pod of each app's workload in
// each environment, the ResourceQuota and LimitRanger admission plugins
// included; and refuses a pod that asks for more than the quota leaves.
func TestTeamQuotaAdmitsTheAppsPods(t *testing.T) {
	renamed := map[string]string{} // the example's namespace → the test's
	suffix := rand.IntN(1 << 30)
	apps, results := shopTeams(t, func(ns string) string {
		renamed[ns] = fmt.Sprintf("quota-e2e-%s-%d", ns, suffix)
		return renamed[ns]
	})
	plan, err := team.Make(apps, team.Options{Emit: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range plan.Envs {
		for _, o := range env.Objects {
			if _, err := theCluster.create(o.Content, false); err != nil {
				t.Fatalf("creating %s %s: %v", env.Name, o.Key(), err)
			}
			if o.Kind == "ResourceQuota" {
				observeQuota(t, o.Content)
			}
		}
	}
	pods := 0
	for name, res := range results {
		for _, env := range res.Envs {
			for _, o := range env.Objects {
				if o.Kind != "Deployment" && o.Kind != "ServiceAccount" {
					continue
				}
				md, _ := o.Content["metadata"].(map[string]any)
				ns := renamed[md["namespace"].(string)]
				if o.Kind == "ServiceAccount" { // the pod runs as it
					sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": o.Name, "namespace": ns}}
					if _, err := theCluster.create(sa, false); err != nil && !strings.Contains(err.Error(), "409") {
						t.Fatal(err)
					}
				}
			}
			for _, o := range env.Objects {
				if o.Kind != "Deployment" {
					continue
				}
				md, _ := o.Content["metadata"].(map[string]any)
				ns := renamed[md["namespace"].(string)]
				tmpl, _ := o.Content["spec"].(map[string]any)["template"].(map[string]any)
				pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name + "-e2e", "namespace": ns}, "spec": tmpl["spec"]}
				pods++
				if _, err := theCluster.create(pod, true); err != nil {
					t.Errorf("%s %s: the API server refuses the app's pod in its team namespace: %v", env.Name, name, err)
				}
				big := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name + "-big", "namespace": ns},
					"spec": map[string]any{"serviceAccountName": name, "automountServiceAccountToken": false, "containers": []any{map[string]any{"name": "big", "image": "registry.example.com/big:1",
						"resources": map[string]any{"requests": map[string]any{"cpu": "100", "memory": "1Gi"}, "limits": map[string]any{"memory": "1Gi"}}}}}}
				if _, err := theCluster.create(big, true); err == nil || !strings.Contains(err.Error(), "exceeded quota") {
					t.Errorf("%s %s: a pod asking for 100 CPUs: %v, want exceeded quota", env.Name, name, err)
				}
			}
		}
	}
	if pods < 4 {
		t.Errorf("only %d pods", pods)
	}
}

// observeQuota does what the quota controller of kube-controller-manager
// (which the e2e lane does not run) does first: it records the quota's
// hard limits, and nothing used, in its status, without which the
// admission plugin enforces nothing.
func observeQuota(t *testing.T, quota map[string]any) {
	t.Helper()
	md, _ := quota["metadata"].(map[string]any)
	path := fmt.Sprintf("/api/v1/namespaces/%s/resourcequotas/%s", md["namespace"], md["name"])
	status, body, err := theCluster.do("GET", path, nil)
	if err != nil || status != 200 {
		t.Fatalf("GET %s: %d %v", path, status, err)
	}
	var live map[string]any
	if err := json.Unmarshal(body, &live); err != nil {
		t.Fatal(err)
	}
	hard, _ := quota["spec"].(map[string]any)["hard"].(map[string]any)
	used := map[string]any{}
	for k := range hard {
		used[k] = "0"
	}
	live["status"] = map[string]any{"hard": hard, "used": used}
	b, _ := json.Marshal(live)
	if status, _, err := theCluster.do("PUT", path+"/status", b); err != nil || status != 200 {
		t.Fatalf("PUT %s/status: %d %v", path, status, err)
	}
}
