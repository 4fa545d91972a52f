package team

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/buildtest"
)

var defaults0 = Defaults{CPU: quantity("100m"), Memory: quantity("128Mi"), MemoryLimit: quantity("256Mi")}

func deployment(replicas any, strategy map[string]any) compile.Object {
	spec := map[string]any{"replicas": replicas}
	if strategy != nil {
		spec["strategy"] = strategy
	}
	return compile.Object{Kind: "Deployment", Name: "web", Content: map[string]any{"spec": spec}}
}

// TestPods: replicas, the autoscaler's maximum instead when one scales
// the workload, and a Deployment's rolling-update surge on top.
func TestPods(t *testing.T) {
	hpa := map[string]int64{"Deployment/web": 10, "StatefulSet/web": 7}
	for _, c := range []struct {
		name string
		obj  compile.Object
		hpa  map[string]int64
		want int64
	}{
		{"replicas and the default 25% surge, rounded up", deployment(int64(3), nil), nil, 4},
		{"the HPA's max replaces replicas", deployment(int64(3), nil), hpa, 13},
		{"Recreate has no surge", deployment(int64(3), map[string]any{"type": "Recreate"}), hpa, 10},
		{"an absolute surge", deployment(int64(2), map[string]any{"rollingUpdate": map[string]any{"maxSurge": int64(2)}}), nil, 4},
		{"no replicas is one", deployment(nil, map[string]any{"rollingUpdate": map[string]any{"maxSurge": "0%"}}), nil, 1},
		{"a StatefulSet does not surge", compile.Object{Kind: "StatefulSet", Name: "web", Content: map[string]any{"spec": map[string]any{"replicas": int64(3)}}}, hpa, 7},
		{"a Job runs its parallelism", compile.Object{Kind: "Job", Name: "j", Content: map[string]any{"spec": map[string]any{"parallelism": int64(4)}}}, nil, 4},
	} {
		if got := pods(c.obj, c.hpa); got != c.want {
			t.Errorf("%s: %d pods, want %d", c.name, got, c.want)
		}
	}
}

// TestWorkloadUsage: a pod's effective requests (containers with the
// sidecars, or the largest init container with the sidecars before it),
// LimitRange defaults for what a container leaves out, times the pods,
// summed exactly.
func TestWorkloadUsage(t *testing.T) {
	w := Workload{Pods: 3, Containers: []Container{
		{Name: "migrate", Init: true, Requests: map[string]string{"cpu": "2", "memory": "64Mi"}, Limits: map[string]string{"memory": "64Mi"}},
		{Name: "proxy", Sidecar: true, Requests: map[string]string{"cpu": "50m", "memory": "32Mi"}, Limits: map[string]string{"memory": "32Mi", "cpu": "100m"}},
		{Name: "app", Requests: map[string]string{"cpu": "250m", "memory": "256Mi"}, Limits: map[string]string{"memory": "512Mi"}},
		{Name: "shell"}, // the LimitRange's defaults: 100m, 128Mi, limit 256Mi
	}}
	u := w.Usage(defaults0)
	want := map[string]string{
		RequestsCPU:    "6",      // the init container's 2 CPUs beat 50m+250m+100m; 3 pods
		RequestsMemory: "1248Mi", // (32+256+128)Mi × 3
		LimitsMemory:   "2400Mi", // (32+512+256)Mi × 3
		Pods:           "3",
	}
	for k, v := range want {
		got := u.Sum[k]
		if got.Cmp(resource.MustParse(v)) != 0 {
			t.Errorf("%s = %s, want %s", k, got.String(), v)
		}
	}
	if u.CPULimited {
		t.Error("CPULimited with containers that set no CPU limit")
	}
	hard := Hard(u, 20)
	if _, ok := hard[LimitsCPU]; ok {
		t.Error("limits.cpu in a quota that pods without a CPU limit could not be created under")
	}
	for k, v := range map[string]string{RequestsCPU: "7200m", RequestsMemory: "1498Mi", LimitsMemory: "2880Mi", Pods: "4"} {
		got := hard[k]
		if got.String() != v {
			t.Errorf("hard %s = %s, want %s", k, got.String(), v)
		}
	}
}

// TestGrowRoundsUp: headroom rounds up to a millicore and a mebibyte,
// from quantities that do not add up in floating point.
func TestGrowRoundsUp(t *testing.T) {
	var sum resource.Quantity
	for range 3 {
		sum.Add(resource.MustParse("0.1"))
	}
	if got := grow(sum, 0, RequestsCPU); got.String() != "300m" {
		t.Errorf("0.1 × 3 = %s, want 300m", got.String())
	}
	if got := grow(resource.MustParse("1001m"), 10, RequestsCPU); got.String() != "1102m" {
		t.Errorf("1001m + 10%% = %s, want 1102m (1101.1 rounded up)", got.String())
	}
	if got := grow(resource.MustParse("1G"), 0, RequestsMemory); got.String() != "954Mi" {
		t.Errorf("1G = %s, want 954Mi (953.67Mi rounded up)", got.String())
	}
	if got := grow(resource.MustParse("5k"), 0, Pods); got.String() != "5k" {
		t.Errorf("5k pods = %s", got.String())
	}
}

func app(def, name, owner string, envs ...Env) App {
	return App{Name: name, Owner: owner, Definition: def, NameAt: diag.Wire{File: def, Pos: 1, End: 2}, Envs: envs}
}

func env(name, ns string, at int, cpu string, pods int64) Env {
	return Env{Name: name, Namespace: ns, NamespaceAt: diag.Wire{File: "?", Pos: at, End: at + 1},
		ResourcesAt: map[string]diag.Wire{"cpu": {File: "?", Pos: at + 10, End: at + 11}},
		Workloads:   []Workload{{Kind: "Deployment", Name: "x", Pods: pods, Containers: []Container{{Name: "x", Requests: map[string]string{"cpu": cpu, "memory": "1Gi"}, Limits: map[string]string{"memory": "1Gi"}}}}}}
}

// TestMakeNamespaces: one namespace per team and environment, sized from
// its apps, validated strictly as Kubernetes would; a second team in a
// namespace and an app without one are findings at their lines.
func TestMakeNamespaces(t *testing.T) {
	apps := []App{
		app("b/kiln.yaml", "cart", "team-shop", env("prod", "shop", 100, "500m", 4)),
		app("a/kiln.yaml", "web", "team-shop", env("prod", "shop", 200, "1", 2), env("staging", "shop-staging", 300, "1", 1)),
		app("c/kiln.yaml", "pay", "team-pay", env("prod", "shop", 400, "1", 1)),
		app("d/kiln.yaml", "loose", "team-pay", env("prod", "", 500, "1", 1)),
	}
	tm := config.DefaultTeams()
	tm.Groups["team-shop"] = config.Entry{Value: "shop-devs"}
	p, err := Make(apps, Options{Teams: tm, Emit: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Envs) != 2 || p.Envs[0].Name != "prod" || len(p.Envs[0].Objects) != 5 || len(p.Envs[1].Objects) != 5 {
		t.Fatalf("plan: %+v", p.Envs)
	}
	v, err := validate.For("")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Envs {
		for _, o := range e.Objects {
			if vs := v.Validate(o); len(vs) > 0 {
				t.Errorf("%s %s/%s: %v", e.Name, o.Kind, o.Name, vs)
			}
		}
	}
	quota := p.Envs[0].Objects[1].Content
	hard := quota["spec"].(map[string]any)["hard"].(map[string]any)
	// web (a/, first): 2 pods × 1 CPU; cart: 4 × 500m; and pay, of another
	// team, whose pods run there once the finding is waived: 1 × 1; +20%.
	if hard["requests.cpu"] != "6" || hard["requests.memory"] != "8602Mi" || hard["pods"] != "9" {
		t.Errorf("hard: %v", hard)
	}
	files, _ := p.Files()
	if !strings.Contains(string(files["prod.yaml"]), "name: shop-devs") || !strings.Contains(string(files["prod.yaml"]), "kiln.dev/owner: team-shop") {
		t.Errorf("prod.yaml:\n%s", files["prod.yaml"])
	}
	if len(p.Findings) != 2 {
		t.Fatalf("findings: %+v", p.Findings)
	}
	shared, none := p.Findings[0], p.Findings[1]
	if shared.Code != RuleNamespace || shared.Pos != 400 || !strings.Contains(shared.Message, "namespace shop is team team-shop's (app web in a/kiln.yaml)") || len(shared.Related) != 1 || shared.Related[0].Pos != 200 {
		t.Errorf("shared namespace: %+v", shared)
	}
	if none.Pos != 500 || !strings.Contains(none.Message, "app loose names no namespace") || none.Environments != nil {
		t.Errorf("no namespace: %+v", none)
	}
	// default declared external: the app without a namespace is fine.
	tm.External = []config.Entry{{Value: "default"}}
	if p, _ = Make(apps, Options{Teams: tm, Emit: true}); len(p.Findings) != 1 {
		t.Errorf("with default external: %+v", p.Findings)
	}
	if p, _ = Make(apps, Options{Teams: tm, Emit: true, Disabled: map[string]bool{RuleNamespace: true}}); len(p.Findings) != 0 {
		t.Errorf("disabled: %+v", p.Findings)
	}
}

// TestMakeBudget: the app that takes its team over the budget, in
// definition order, is reported once, with the numbers and the budget's
// line; the severity and waivers of the configuration apply.
func TestMakeBudget(t *testing.T) {
	cfgFile := source.NewFile(".kiln/config.yaml", []byte("teams: {budgets: {team-shop: {cpu: 3}}}\n"))
	apps := []App{
		app("c/kiln.yaml", "late", "team-shop", env("prod", "shop", 300, "1", 1)),
		app("a/kiln.yaml", "web", "team-shop", env("prod", "shop", 100, "1", 2)),
		app("b/kiln.yaml", "cart", "team-shop", env("prod", "shop", 200, "500m", 3), env("dev", "shop", 250, "100m", 1)),
	}
	tm := config.DefaultTeams()
	tm.Budgets["team-shop"] = config.Budget{CPU: config.Entry{Value: "3", Pos: cfgFile.Pos(33), End: cfgFile.Pos(34)}}
	p, err := Make(apps, Options{Teams: tm})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Envs) != 0 || len(p.Findings) != 1 {
		t.Fatalf("plan: %+v", p)
	}
	f := p.Findings[0]
	want := "team team-shop's requests.cpu come to 3500m with app cart (1500m of them), over its budget of 3 (teams.budgets.team-shop.cpu)"
	if f.Code != RuleBudget || f.Pos != 210 || f.Message != want || f.Severity != diag.Error || len(f.Environments) != 1 || f.Environments[0] != "prod" {
		t.Errorf("finding: %+v\nwant %q at 210", f, want)
	}
	if f.Related[0].File != ".kiln/config.yaml" || f.Related[0].Pos != 33 {
		t.Errorf("related: %+v", f.Related)
	}
	p, _ = Make(apps, Options{Teams: tm, Severity: map[string]diag.Severity{RuleBudget: diag.Warning},
		Waive: func(rule, app, file, env string) (string, bool) {
			return "growing", rule == RuleBudget && app == "cart"
		}})
	if f := p.Findings[0]; f.Severity != diag.Warning || f.Waived != "growing" {
		t.Errorf("severity and waiver: %+v", f)
	}
}

// TestMeasure reads a built example: its namespace per environment,
// where it is written, and its workload's pods and resources.
func TestMeasure(t *testing.T) {
	def := filepath.Join("..", "..", "examples", "shop", "payments", "kiln.yaml")
	res := buildtest.Build(t, def, nil, build.Options{Emit: build.Artifacts{K8s: true}}, nil)
	src, _ := os.ReadFile(def)
	doc, _ := load.Load(source.NewFile(def, src), load.Options{})
	a := Measure(doc, res)
	if a.Owner != "team-payments" || len(a.Envs) != 2 {
		t.Fatalf("%+v", a)
	}
	prod, staging := a.Envs[0], a.Envs[1]
	if prod.Namespace != "payments" || staging.Namespace != "payments-staging" {
		t.Errorf("namespaces %q %q", prod.Namespace, staging.Namespace)
	}
	line := func(w diag.Wire) string {
		return strings.TrimSpace(strings.SplitN(string(src[w.Pos:]), "\n", 2)[0])
	}
	if got := line(staging.NamespaceAt); got != "payments-staging" {
		t.Errorf("staging's namespace is at %q", got)
	}
	if got := line(prod.NamespaceAt); got != "payments" {
		t.Errorf("prod's namespace is at %q", got)
	}
	if got := line(prod.ResourcesAt["cpu"]); !strings.HasPrefix(got, "250m,") {
		t.Errorf("cpu is at %q", got)
	}
	if len(prod.Workloads) != 1 || prod.Workloads[0].Kind != "Deployment" || prod.Workloads[0].Pods != 4 {
		t.Errorf("workloads: %+v", prod.Workloads)
	}
}

// TestRuleLine: kiln rules ID points at the line that declares the rule.
func TestRuleLine(t *testing.T) {
	src, err := os.ReadFile("rules.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, r := range Rules {
		l := RuleLine(i)
		if l > len(lines) || !strings.Contains(lines[l-1], "ID:") || !strings.Contains(string(src), r.ID) {
			t.Errorf("%s: line %d is %q", r.ID, l, lines[min(l, len(lines))-1])
		}
	}
	if !Known(RuleBudget) || Known("image-pinned") {
		t.Error("Known")
	}
}
