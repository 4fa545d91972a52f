package compile

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

var update = flag.Bool("update", false, "rewrite docs/sla.md")

func baseApp() *app.App {
	return &app.App{
		APIVersion: "kiln.dev/v1alpha1", Kind: "App",
		Metadata: app.Metadata{Name: "a", Owner: "team-a"},
		Spec: app.Spec{Image: "nginx:1.27", Port: 8080, Protocol: "http",
			Health:    app.Health{Liveness: "/healthz", Readiness: "/readyz"},
			Resources: app.Resources{CPU: "100m", Memory: "128Mi"}},
	}
}

func find(t *testing.T, res *Result, kind string) *Object {
	t.Helper()
	for i := range res.Objects {
		if res.Objects[i].Kind == kind {
			return &res.Objects[i]
		}
	}
	return nil
}

func field(o *Object, path string) any {
	v, _ := sourcemap.Lookup(o.Content, path)
	return v
}

// TestSLATiers checks each row of the SLA table against what compile emits.
func TestSLATiers(t *testing.T) {
	for _, tc := range []struct {
		availability   float64
		replicas       int
		minAvailable   any
		maxUnavailable any
		spread         []string // whenUnsatisfiable over hostname, then zone
	}{
		{0, 1, nil, nil, nil},
		{98.9, 1, nil, nil, nil},
		{99, 2, int64(1), nil, []string{"ScheduleAnyway"}},
		{99.5, 2, int64(1), nil, []string{"ScheduleAnyway"}},
		{99.9, 3, nil, int64(1), []string{"DoNotSchedule", "ScheduleAnyway"}},
		{99.95, 3, nil, int64(1), []string{"DoNotSchedule", "ScheduleAnyway"}},
		{99.99, 5, nil, int64(1), []string{"DoNotSchedule", "DoNotSchedule"}},
		{99.999, 5, nil, int64(1), []string{"DoNotSchedule", "DoNotSchedule"}},
	} {
		t.Run(fmt.Sprint(tc.availability), func(t *testing.T) {
			a := baseApp()
			if tc.availability > 0 {
				a.Spec.SLA = &app.SLA{Availability: tc.availability, Window: "30d"}
			}
			res, err := Compile(a, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := find(t, res, "Deployment")
			if got := field(d, "spec.replicas"); got != int64(tc.replicas) {
				t.Errorf("replicas = %v, want %d", got, tc.replicas)
			}
			pdb := find(t, res, "PodDisruptionBudget")
			if (pdb != nil) != (tc.replicas > 1) {
				t.Fatalf("PodDisruptionBudget present = %v with %d replicas", pdb != nil, tc.replicas)
			}
			if pdb != nil {
				if got := field(pdb, "spec.minAvailable"); got != tc.minAvailable {
					t.Errorf("minAvailable = %v, want %v", got, tc.minAvailable)
				}
				if got := field(pdb, "spec.maxUnavailable"); got != tc.maxUnavailable {
					t.Errorf("maxUnavailable = %v, want %v", got, tc.maxUnavailable)
				}
			}
			spread, _ := field(d, "spec.template.spec.topologySpreadConstraints").([]any)
			if len(spread) != len(tc.spread) {
				t.Fatalf("spread constraints = %v, want %v", spread, tc.spread)
			}
			for i, want := range tc.spread {
				if got := spread[i].(map[string]any)["whenUnsatisfiable"]; got != want {
					t.Errorf("spread[%d] = %v, want %s", i, got, want)
				}
			}
		})
	}
}

func TestScalingBelowSLAIsAFindingNotARaise(t *testing.T) {
	a := baseApp()
	a.Spec.SLA = &app.SLA{Availability: 99.9, Window: "30d"}
	two := 2
	a.Spec.Scaling = &app.Scaling{Min: &two, CPUTarget: 70}
	res, err := Compile(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := field(find(t, res, "Deployment"), "spec.replicas"); got != int64(2) {
		t.Errorf("replicas = %v; kiln must not raise scaling.min silently", got)
	}
	if o, _ := res.Origins.Origin("Deployment/a", "spec.replicas"); fmt.Sprint(o) != "[spec scaling min]" {
		t.Errorf("origin of replicas = %v", o)
	}
}

func TestAutoscalerOwnsReplicas(t *testing.T) {
	a := baseApp()
	one, five := 1, 5
	a.Spec.Scaling = &app.Scaling{Min: &one, Max: &five, CPUTarget: 60}
	res, _ := Compile(a, Options{})
	if _, ok := sourcemap.Lookup(find(t, res, "Deployment").Content, "spec.replicas"); ok {
		t.Error("Deployment sets replicas although an HPA owns them")
	}
	hpa := find(t, res, "HorizontalPodAutoscaler")
	if hpa == nil || field(hpa, "spec.maxReplicas") != int64(5) || field(hpa, "spec.metrics[0].resource.target.averageUtilization") != int64(60) {
		t.Errorf("HPA = %v", hpa)
	}
}

func TestProbesFollowProtocol(t *testing.T) {
	for proto, path := range map[string]string{
		"http": "livenessProbe.httpGet.port", "grpc": "livenessProbe.grpc.port", "tcp": "livenessProbe.tcpSocket.port",
	} {
		a := baseApp()
		a.Spec.Protocol = proto
		res, _ := Compile(a, Options{})
		if got := field(find(t, res, "Deployment"), "spec.template.spec.containers[0]."+path); got != int64(8080) {
			t.Errorf("%s: %s = %v", proto, path, got)
		}
	}
}

// TestSLADoc keeps docs/sla.md equal to the table compile uses.
func TestSLADoc(t *testing.T) {
	want := "# The SLA table\n\n" +
		"`spec.sla.availability` decides how many replicas an app runs at least, its\n" +
		"PodDisruptionBudget and how its replicas spread over nodes and zones. A\n" +
		"`scaling.min` below the table's replicas is reported as a warning at\n" +
		"`scaling.min`; kiln never raises it silently. `kiln explain spec.sla.availability`\n" +
		"prints this table.\n\n" + TierTable() + "\n" +
		"The table holds for an app without a port (`protocol: none`, a queue\n" +
		"worker) too: its replicas, disruption budget and spread are sized the same\n" +
		"way. Its SLO alerts need `sla.metrics` (see [slo.md](slo.md)): there are no\n" +
		"request metrics to default to, and nothing can scrape an app without a port.\n\n" +
		"## By workload kind\n\n" +
		"The table applies to the kinds that run a number of replicas\n" +
		"(`spec.workload.kind`, see [workloads.md](workloads.md)). What each kind gets:\n\n" +
		KindTable() + "\n" +
		"A DaemonSet runs one pod per node, so the scheduler, not the SLA, decides\n" +
		"how many; a Job or a CronJob runs to completion and can have no `sla`.\n"
	if *update {
		if err := os.WriteFile("../../docs/sla.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("../../docs/sla.md")
	if err != nil || string(got) != want {
		t.Fatalf("docs/sla.md is stale; run: make golden")
	}
}

// TestIngressClassAndAnnotations: className is spec.ingressClassName and
// the app's annotations are the Ingress's only, each with its origin;
// kiln's own annotations cannot be replaced, and saying so is a warning.
func TestIngressClassAndAnnotations(t *testing.T) {
	a := baseApp()
	a.Spec.Ingress = &app.Ingress{Host: "a.example.com", Path: "/", ClassName: "nginx",
		Annotations: map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt", AnnotOwner: "someone"}}
	res, err := Compile(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ing := find(t, res, "Ingress")
	if got := field(ing, "spec.ingressClassName"); got != "nginx" {
		t.Errorf("ingressClassName = %v", got)
	}
	want := map[string]any{"cert-manager.io/cluster-issuer": "letsencrypt", AnnotOwner: "team-a"}
	if got := field(ing, "metadata.annotations"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Ingress annotations = %v, want %v", got, want)
	}
	if got := field(find(t, res, "Deployment"), `metadata.annotations["cert-manager.io/cluster-issuer"]`); got != nil {
		t.Errorf("the Ingress's annotation is on the Deployment too: %v", got)
	}
	if o, _ := res.Origins.Origin("Ingress/a", `metadata.annotations["cert-manager.io/cluster-issuer"]`); fmt.Sprint(o) != "[spec ingress annotations cert-manager.io/cluster-issuer]" {
		t.Errorf("origin of the annotation = %v", o)
	}
	if o, _ := res.Origins.Origin("Ingress/a", "spec.ingressClassName"); fmt.Sprint(o) != "[spec ingress className]" {
		t.Errorf("origin of ingressClassName = %v", o)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "build/ingress-annotation" || fmt.Sprint(res.Findings[0].Path) != "[spec ingress annotations kiln.dev/owner]" {
		t.Errorf("findings = %+v", res.Findings)
	}
	// Without a class, none is written: the cluster's default serves it.
	a.Spec.Ingress.ClassName = ""
	res, _ = Compile(a, Options{})
	if _, ok := sourcemap.Lookup(find(t, res, "Ingress").Content, "spec.ingressClassName"); ok {
		t.Error("ingressClassName written without className")
	}
}

// TestSelectorsSelectNameAndInstance: every object carries the instance
// label, and every selector selects by name and instance, so a Helm
// release under another name selects its own pods only.
func TestSelectorsSelectNameAndInstance(t *testing.T) {
	a := baseApp()
	two := 2
	a.Spec.Scaling = &app.Scaling{Min: &two, CPUTarget: 70}
	a.Spec.SLA = &app.SLA{Availability: 99.9, Window: "30d"}
	res, _ := Compile(a, Options{})
	want := fmt.Sprint(map[string]any{LabelName: "a", LabelInstance: "a"})
	for _, o := range res.Objects {
		if got := field(&o, `metadata.labels["app.kubernetes.io/instance"]`); got != "a" {
			t.Errorf("%s: instance label = %v", o.Kind, got)
		}
	}
	for kind, path := range map[string]string{
		"Deployment": "spec.selector.matchLabels", "Service": "spec.selector", "NetworkPolicy": "spec.podSelector.matchLabels",
		"PodDisruptionBudget": "spec.selector.matchLabels",
	} {
		if got := fmt.Sprint(field(find(t, res, kind), path)); got != want {
			t.Errorf("%s %s = %s, want %s", kind, path, got, want)
		}
	}
	if got := field(find(t, res, "Deployment"), `spec.template.metadata.labels["app.kubernetes.io/instance"]`); got != "a" {
		t.Errorf("pod instance label = %v", got)
	}
}

// DNS runs in kube-system, not in the app's namespace: the egress rule
// that lets an app with dependencies resolve names must select the DNS
// pods in every namespace. Without namespaceSelector: {} a podSelector
// alone selects the policy's own namespace, and the app resolves nothing.
func TestDNSEgressSelectsEveryNamespace(t *testing.T) {
	a := baseApp()
	res, err := Compile(a, Options{Callees: []Callee{{Name: "db", Port: 5432, Transport: "TCP", Scheme: "tcp", Env: "DB_URL"}}})
	if err != nil {
		t.Fatal(err)
	}
	np := find(t, res, "NetworkPolicy")
	egress, _ := field(np, "spec.egress").([]any)
	if len(egress) == 0 {
		t.Fatal("no egress rules")
	}
	peer := egress[0].(map[string]any)["to"].([]any)[0].(map[string]any)
	if ns, ok := peer["namespaceSelector"].(map[string]any); !ok || len(ns) != 0 {
		t.Errorf("the DNS peer is %v; want namespaceSelector: {} beside its podSelector", peer)
	}
}
