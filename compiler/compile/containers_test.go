package compile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
)

const pod = "spec.template.spec."

func compiled(t *testing.T, a *app.App, opts Options) *Result {
	t.Helper()
	res, err := Compile(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func origin(t *testing.T, res *Result, kind, f string) string {
	t.Helper()
	o, ok := res.Origins.Origin(kind+"/a", f)
	if !ok {
		t.Fatalf("%s %s has no origin", kind, f)
	}
	return strings.Join(o, ".")
}

func findingsAt(res *Result) map[string]string {
	out := map[string]string{}
	for _, f := range res.Findings {
		out[strings.Join(f.Path, ".")] = f.Code
	}
	return out
}

func withPorts() *app.App {
	a := baseApp()
	a.Spec.Ports = map[string]app.Port{"metrics": {Port: 9090, Protocol: "TCP"}, "admin": {Port: 9901, Protocol: "TCP"}, "dns": {Port: 5353, Protocol: "UDP"}}
	a.Spec.SLA = &app.SLA{Availability: 99, Window: "30d", Monitoring: app.Monitoring{Path: "/metrics"}}
	return a
}

func TestNamedPortsReachEveryObject(t *testing.T) {
	res := compiled(t, withPorts(), Options{SLO: true})
	d, svc, np, sm := find(t, res, "Deployment"), find(t, res, "Service"), find(t, res, "NetworkPolicy"), find(t, res, "ServiceMonitor")
	wantNames := []any{"http", "admin", "dns", "metrics"}
	var ctr, sp []any
	for i := range 4 {
		ctr = append(ctr, field(d, pod+"containers[0].ports["+string(rune('0'+i))+"].name"))
		sp = append(sp, field(svc, "spec.ports["+string(rune('0'+i))+"].name"))
	}
	if !reflect.DeepEqual(ctr, wantNames) || !reflect.DeepEqual(sp, wantNames) {
		t.Errorf("container ports %v, Service ports %v, want %v in both", ctr, sp, wantNames)
	}
	if got := field(svc, "spec.ports[2].protocol"); got != "UDP" {
		t.Errorf("dns's protocol = %v, want UDP", got)
	}
	// Only the primary and the metrics port admit every source.
	rules, _ := field(np, "spec.ingress").([]any)
	if len(rules) != 1 {
		t.Fatalf("ingress rules = %v, want one", rules)
	}
	if got := field(np, "spec.ingress[0].ports"); !reflect.DeepEqual(got, []any{
		map[string]any{"port": int64(8080), "protocol": "TCP"}, map[string]any{"port": int64(9090), "protocol": "TCP"},
	}) {
		t.Errorf("open ports = %v, want 8080 and 9090", got)
	}
	if got := field(sm, "spec.endpoints[0].port"); got != "metrics" {
		t.Errorf("ServiceMonitor scrapes %v, want metrics", got)
	}
	if got := origin(t, res, "Service", "spec.ports[1].port"); got != "spec.ports.admin.port" {
		t.Errorf("Service port 1's origin = %s", got)
	}
	if got := origin(t, res, "Deployment", pod+"containers[0].ports[3].name"); got != "spec.ports.metrics" {
		t.Errorf("container port 3's name's origin = %s", got)
	}
	if got := origin(t, res, "ServiceMonitor", "spec.endpoints[0].port"); got != "spec.ports.metrics" {
		t.Errorf("ServiceMonitor port's origin = %s", got)
	}
}

func TestServiceMonitorScrapesPrimaryWithoutMetricsPort(t *testing.T) {
	a := withPorts()
	delete(a.Spec.Ports, "metrics")
	res := compiled(t, a, Options{SLO: true})
	if got := field(find(t, res, "ServiceMonitor"), "spec.endpoints[0].port"); got != "http" {
		t.Errorf("ServiceMonitor scrapes %v, want http", got)
	}
}

// A worker without a primary port still has a Service for its metrics
// port, which its NetworkPolicy opens and its ServiceMonitor scrapes.
func TestPortlessAppWithMetricsPort(t *testing.T) {
	a := baseApp()
	a.Spec.Protocol, a.Spec.Port = "none", 0
	a.Spec.Ports = map[string]app.Port{"metrics": {Port: 9090, Protocol: "TCP"}}
	a.Spec.SLA = &app.SLA{Availability: 99, Window: "30d", Monitoring: app.Monitoring{Path: "/metrics"}}
	res := compiled(t, a, Options{SLO: true})
	svc := find(t, res, "Service")
	if svc == nil || field(svc, "spec.ports[0].name") != "metrics" {
		t.Fatalf("Service = %v, want one with the metrics port", svc)
	}
	if got := field(find(t, res, "NetworkPolicy"), "spec.ingress[0].ports[0].port"); got != int64(9090) {
		t.Errorf("open port = %v, want 9090", got)
	}
	if sm := find(t, res, "ServiceMonitor"); sm == nil || field(sm, "spec.endpoints[0].port") != "metrics" {
		t.Errorf("ServiceMonitor = %v, want one scraping metrics", sm)
	}
}

func TestPortClashesAreFindingsAtTheLine(t *testing.T) {
	a := baseApp()
	a.Spec.Ports = map[string]app.Port{"http": {Port: 9000, Protocol: "TCP"}, "admin": {Port: 8080, Protocol: "TCP"}, "dns": {Port: 8080, Protocol: "UDP"}}
	a.Spec.Sidecars = []app.Container{{Name: "proxy", Image: "envoy:1.30", Resources: app.Resources{CPU: "10m", Memory: "32Mi"},
		Ports: map[string]app.Port{"admin": {Port: 9901, Protocol: "TCP"}}}}
	res := compiled(t, a, Options{})
	got := findingsAt(res)
	// The app's admin port repeats 8080/TCP and is left out, so the
	// sidecar's admin port is the first of its name; 8080/UDP is another
	// port than 8080/TCP.
	want := map[string]string{
		"spec.ports.http":       "build/port-name",   // the primary port's name
		"spec.ports.admin.port": "build/port-number", // 8080/TCP is the primary's
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings at %v, want %v", got, want)
	}
	svc := find(t, res, "Service")
	if n := len(field(svc, "spec.ports").([]any)); n != 3 {
		t.Errorf("Service has %d ports, want 3 (http, dns, the sidecar's admin): %v", n, field(svc, "spec.ports"))
	}
}

func TestPortNameUniqueAcrossThePod(t *testing.T) {
	a := baseApp()
	a.Spec.Ports = map[string]app.Port{"admin": {Port: 9000, Protocol: "TCP"}}
	a.Spec.Sidecars = []app.Container{{Name: "proxy", Image: "envoy:1.30", Resources: app.Resources{CPU: "10m", Memory: "32Mi"},
		Ports: map[string]app.Port{"admin": {Port: 9901, Protocol: "TCP"}}}}
	got := findingsAt(compiled(t, a, Options{}))
	if got["spec.sidecars.0.ports.admin"] != "build/port-name" || len(got) != 1 {
		t.Errorf("findings at %v, want one build/port-name at spec.sidecars.0.ports.admin", got)
	}
}

func TestStartupProbeCoversStartupSeconds(t *testing.T) {
	for _, secs := range []int32{1, 4, 5, 6, 60, 3600} {
		a := baseApp()
		a.Spec.Health.StartupSeconds = secs
		res := compiled(t, a, Options{})
		d := find(t, res, "Deployment")
		period, _ := field(d, pod+"containers[0].startupProbe.periodSeconds").(int64)
		threshold, _ := field(d, pod+"containers[0].startupProbe.failureThreshold").(int64)
		// The first check runs at start: the last is (threshold-1)*period later.
		if (threshold-1)*period < int64(secs) {
			t.Errorf("startupSeconds %d: period %d × (threshold %d - 1) does not cover it", secs, period, threshold)
		}
		if (threshold-2)*period >= int64(secs) {
			t.Errorf("startupSeconds %d: threshold %d is more than it needs", secs, threshold)
		}
		if got := field(d, pod+"containers[0].startupProbe.httpGet.path"); got != "/healthz" {
			t.Errorf("startup probe checks %v, want the liveness path", got)
		}
		if got := origin(t, res, "Deployment", pod+"containers[0].startupProbe.failureThreshold"); got != "spec.health.startupSeconds" {
			t.Errorf("failureThreshold's origin = %s", got)
		}
	}
}

func TestStartupProbeNeedsACheck(t *testing.T) {
	a := baseApp()
	a.Spec.Protocol, a.Spec.Port = "none", 0
	a.Spec.Health.StartupSeconds = 30
	res := compiled(t, a, Options{})
	if got := findingsAt(res); got["spec.health.startupSeconds"] != "build/startup-probe" {
		t.Errorf("findings at %v, want build/startup-probe at spec.health.startupSeconds", got)
	}
}

func TestProbeTimingsOnlyWhenSet(t *testing.T) {
	a := baseApp()
	d := find(t, compiled(t, a, Options{}), "Deployment")
	for _, f := range []string{"periodSeconds", "timeoutSeconds", "failureThreshold"} {
		if got := field(d, pod+"containers[0].livenessProbe."+f); got != nil {
			t.Errorf("unset %s emitted as %v", f, got)
		}
	}
	if got := field(d, pod+"containers[0].startupProbe"); got != nil {
		t.Errorf("startupProbe without startupSeconds: %v", got)
	}
	a.Spec.Health.PeriodSeconds, a.Spec.Health.TimeoutSeconds, a.Spec.Health.FailureThreshold, a.Spec.Health.StartupSeconds = 15, 2, 4, 20
	res := compiled(t, a, Options{})
	d = find(t, res, "Deployment")
	for probe, want := range map[string][3]any{
		"livenessProbe":  {int64(15), int64(2), int64(4)},
		"readinessProbe": {int64(15), int64(2), int64(4)},
		"startupProbe":   {int64(startupPeriod), int64(2), int64(5)},
	} {
		p := pod + "containers[0]." + probe + "."
		got := [3]any{field(d, p+"periodSeconds"), field(d, p+"timeoutSeconds"), field(d, p+"failureThreshold")}
		if got != want {
			t.Errorf("%s period, timeout, threshold = %v, want %v", probe, got, want)
		}
	}
	if got := origin(t, res, "Deployment", pod+"containers[0].readinessProbe.timeoutSeconds"); got != "spec.health.timeoutSeconds" {
		t.Errorf("timeoutSeconds' origin = %s", got)
	}
}

func TestShutdown(t *testing.T) {
	a := baseApp()
	a.Spec.Shutdown = &app.Shutdown{DrainSeconds: ptr(int64(10))}
	res := compiled(t, a, Options{})
	d := find(t, res, "Deployment")
	if got := field(d, pod+"containers[0].lifecycle"); !reflect.DeepEqual(got, map[string]any{"preStop": map[string]any{"sleep": map[string]any{"seconds": int64(10)}}}) {
		t.Errorf("lifecycle = %v, want a preStop sleep of 10 seconds and nothing else (no exec)", got)
	}
	if got := field(d, pod+"terminationGracePeriodSeconds"); got != nil {
		t.Errorf("terminationGracePeriodSeconds = %v, want the API server's default", got)
	}
	a.Spec.Shutdown.GracePeriodSeconds = ptr(int64(45))
	res = compiled(t, a, Options{})
	if got := field(find(t, res, "Deployment"), pod+"terminationGracePeriodSeconds"); got != int64(45) {
		t.Errorf("terminationGracePeriodSeconds = %v, want 45", got)
	}
	if got := origin(t, res, "Deployment", pod+"containers[0].lifecycle.preStop.sleep.seconds"); got != "spec.shutdown.drainSeconds" {
		t.Errorf("preStop's origin = %s", got)
	}
}

func withContainers() *app.App {
	a := baseApp()
	a.Spec.Sidecars = []app.Container{{Name: "shipper", Image: "fluent-bit:3.1", Args: []string{"-c", "/etc/fb.conf"},
		Resources: app.Resources{CPU: "20m", Memory: "32Mi", MemoryLimit: "64Mi"},
		Env:       map[string]string{"LEVEL": "info"}, Secrets: map[string]app.SecretRef{"TOKEN": {Secret: "logs", Key: "token"}},
		Ports: map[string]app.Port{"fb-http": {Port: 2020, Protocol: "TCP"}}}}
	a.Spec.InitContainers = []app.Container{{Name: "migrate", Image: "migrate:4.17", Command: []string{"/migrate", "up"},
		Resources: app.Resources{CPU: "50m", Memory: "64Mi"}}}
	a.Spec.ImagePullSecrets = []string{"registry", "mirror"}
	return a
}

func TestNativeSidecars(t *testing.T) {
	res := compiled(t, withContainers(), Options{KubeVersion: "1.29"})
	d := find(t, res, "Deployment")
	inits, _ := field(d, pod+"initContainers").([]any)
	if len(inits) != 2 || field(d, pod+"initContainers[0].name") != "shipper" || field(d, pod+"initContainers[1].name") != "migrate" {
		t.Fatalf("initContainers = %v, want the sidecar, then the init container", inits)
	}
	if got := field(d, pod+"initContainers[0].restartPolicy"); got != "Always" {
		t.Errorf("sidecar restartPolicy = %v, want Always", got)
	}
	if got := field(d, pod+"initContainers[1].restartPolicy"); got != nil {
		t.Errorf("init container restartPolicy = %v, want none", got)
	}
	if n := len(field(d, pod+"containers").([]any)); n != 1 {
		t.Errorf("%d containers, want the app's alone", n)
	}
	sameDefaults(t, d, pod+"initContainers[0]", "64Mi")
	sameDefaults(t, d, pod+"initContainers[1]", "64Mi")
	if got := field(d, pod+"initContainers[0].env[1].valueFrom.secretKeyRef.name"); got != "logs" {
		t.Errorf("sidecar's TOKEN comes from %v, want the Secret logs", got)
	}
	if got := field(find(t, res, "Service"), "spec.ports[1].name"); got != "fb-http" {
		t.Errorf("Service port 1 = %v, want the sidecar's fb-http", got)
	}
	if got := field(d, pod+"imagePullSecrets"); !reflect.DeepEqual(got, []any{map[string]any{"name": "registry"}, map[string]any{"name": "mirror"}}) {
		t.Errorf("imagePullSecrets = %v", got)
	}
	for f, want := range map[string]string{
		"initContainers[0].image":                   "spec.sidecars.0.image",
		"initContainers[0].args":                    "spec.sidecars.0.args",
		"initContainers[0].resources.limits.memory": "spec.sidecars.0.resources.memoryLimit",
		"initContainers[0].env[0]":                  "spec.sidecars.0.env.LEVEL",
		"initContainers[0].ports[0].containerPort":  "spec.sidecars.0.ports.fb-http.port",
		"initContainers[0].securityContext":         "spec.sidecars.0",
		"initContainers[1].command":                 "spec.initContainers.0.command",
		"initContainers[1].resources.requests.cpu":  "spec.initContainers.0.resources.cpu",
		"imagePullSecrets[1].name":                  "spec.imagePullSecrets.1",
	} {
		if got := origin(t, res, "Deployment", pod+f); got != want {
			t.Errorf("%s's origin = %s, want %s", f, got, want)
		}
	}
}

// Before Kubernetes 1.29 a sidecar is a container beside the app's.
func TestSidecarsBefore129(t *testing.T) {
	res := compiled(t, withContainers(), Options{KubeVersion: "1.28"})
	d := find(t, res, "Deployment")
	if got := field(d, pod+"containers[1].name"); got != "shipper" {
		t.Fatalf("containers[1] = %v, want the sidecar", got)
	}
	if got := field(d, pod+"containers[1].restartPolicy"); got != nil {
		t.Errorf("plain sidecar restartPolicy = %v, want none", got)
	}
	if n := len(field(d, pod+"initContainers").([]any)); n != 1 || field(d, pod+"initContainers[0].name") != "migrate" {
		t.Errorf("initContainers = %v, want migrate alone", field(d, pod+"initContainers"))
	}
	sameDefaults(t, d, pod+"containers[1]", "64Mi")
	if got := origin(t, res, "Deployment", pod+"containers[1].ports[0].name"); got != "spec.sidecars.0.ports.fb-http" {
		t.Errorf("sidecar port name's origin = %s", got)
	}
}

// sameDefaults checks that the container at ctr has the app container's
// secure defaults, and memory limit.
func sameDefaults(t *testing.T, d *Object, ctr, limit string) {
	t.Helper()
	app := field(d, pod+"containers[0].securityContext")
	if got := field(d, ctr+".securityContext"); !reflect.DeepEqual(got, app) {
		t.Errorf("%s securityContext = %v, want the app's %v", ctr, got, app)
	}
	if got := field(d, ctr+".volumeMounts"); !reflect.DeepEqual(got, field(d, pod+"containers[0].volumeMounts")) {
		t.Errorf("%s volumeMounts = %v, want /tmp", ctr, got)
	}
	if got := field(d, ctr+".resources.limits.memory"); got != limit {
		t.Errorf("%s memory limit = %v, want %s", ctr, got, limit)
	}
}

func TestContainerNamesAreUnique(t *testing.T) {
	a := withContainers()
	a.Spec.Sidecars = append(a.Spec.Sidecars, app.Container{Name: "a", Image: "x:1", Resources: app.Resources{CPU: "1m", Memory: "1Mi"}})
	a.Spec.InitContainers = append(a.Spec.InitContainers, app.Container{Name: "shipper", Image: "x:1", Resources: app.Resources{CPU: "1m", Memory: "1Mi"}})
	res := compiled(t, a, Options{})
	want := map[string]string{"spec.sidecars.1.name": "build/container-name", "spec.initContainers.1.name": "build/container-name"}
	if got := findingsAt(res); !reflect.DeepEqual(got, want) {
		t.Errorf("findings at %v, want %v", got, want)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "sidecars[0]") != (f.Path[1] == "initContainers") {
			t.Errorf("message %q does not name the container it repeats", f.Message)
		}
	}
}

// An app without the new fields compiles as it always did: a memory limit
// equal to the request, no startup probe, no init containers.
func TestMinimalPodUnchanged(t *testing.T) {
	d := find(t, compiled(t, baseApp(), Options{}), "Deployment")
	spec := field(d, "spec.template.spec").(map[string]any)
	for _, k := range []string{"initContainers", "imagePullSecrets", "terminationGracePeriodSeconds"} {
		if _, ok := spec[k]; ok {
			t.Errorf("pod has %s", k)
		}
	}
	if got := field(d, pod+"containers[0].lifecycle"); got != nil {
		t.Errorf("lifecycle = %v", got)
	}
}
