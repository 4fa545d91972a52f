package compile

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
)

func compileKind(t *testing.T, a *app.App, kind string) *Result {
	t.Helper()
	a.Spec.Workload.Kind = kind
	if a.Spec.SLA != nil {
		a.Spec.SLA.Window = "30d"
		a.Spec.SLA.Monitoring.Path = "/metrics"
	}
	res, err := Compile(a, Options{SLO: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func kinds(res *Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Kind)
	}
	return out
}

func kindOrigin(t *testing.T, res *Result, obj, field string) string {
	t.Helper()
	o, ok := res.Origins.Origin(obj, field)
	if !ok {
		return "<none>"
	}
	return fmt.Sprint(o)
}

func batchApp() *app.App {
	a := baseApp()
	a.Spec.Port, a.Spec.Protocol = 0, "none"
	a.Spec.Health.Command = []string{"/app", "check"}
	return a
}

// What each kind gets beside its workload, for an app whose SLA asks for
// three replicas and whose scaling asks for an autoscaler where one fits.
func TestWhatEachKindGets(t *testing.T) {
	for _, tc := range []struct {
		kind string
		app  func() *app.App
		want []string
	}{
		{app.Deployment, richApp, []string{"ServiceAccount", "Service", "Deployment", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor", "PrometheusRule"}},
		{app.StatefulSet, richApp, []string{"ServiceAccount", "Service", "StatefulSet", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor", "PrometheusRule"}},
		{app.DaemonSet, func() *app.App { a := richApp(); a.Spec.Scaling = nil; return a }, []string{"ServiceAccount", "Service", "DaemonSet", "NetworkPolicy", "ServiceMonitor", "PrometheusRule"}},
		{app.Job, batchApp, []string{"ServiceAccount", "Job", "NetworkPolicy"}},
		{app.CronJob, func() *app.App { a := batchApp(); a.Spec.Workload.Schedule = "0 3 * * *"; return a }, []string{"ServiceAccount", "CronJob", "NetworkPolicy"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			res := compileKind(t, tc.app(), tc.kind)
			if got := kinds(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("objects %v, want %v", got, tc.want)
			}
			w, k, ok := res.Workload()
			if !ok || w.Kind != tc.kind || k.Kind != tc.kind {
				t.Fatalf("workload %s %v", w.Kind, ok)
			}
			if spread := field(&w, k.PodPath()+".topologySpreadConstraints"); (spread != nil) != (tc.kind == app.Deployment || tc.kind == app.StatefulSet) {
				t.Errorf("topology spread %v", spread)
			}
		})
	}
}

// A DaemonSet with an SLA keeps its SLO rules but sizes no replicas.
func TestDaemonSetHasNoReplicas(t *testing.T) {
	a := richApp()
	a.Spec.Scaling = nil
	res := compileKind(t, a, app.DaemonSet)
	d := find(t, res, app.DaemonSet)
	if got := field(d, "spec.replicas"); got != nil {
		t.Errorf("replicas %v", got)
	}
	if got := field(d, "spec.selector.matchLabels"); !reflect.DeepEqual(got, map[string]any{LabelName: "a", LabelInstance: "a"}) {
		t.Errorf("selector %v", got)
	}
}

func TestStatefulSet(t *testing.T) {
	a := baseApp()
	a.Spec.SLA = &app.SLA{Availability: 99.9}
	a.Spec.Volumes = map[string]app.Volume{
		"data":  {MountPath: "/var/lib/a", Size: "10Gi", StorageClass: "fast", AccessMode: "ReadWriteOnce"},
		"cache": {MountPath: "/cache", Size: "1Gi", AccessMode: "ReadWriteOncePod"},
	}
	res := compileKind(t, a, app.StatefulSet)
	s := find(t, res, app.StatefulSet)
	wantFields(t, s, map[string]any{
		"spec.replicas":            int64(3),
		"spec.serviceName":         "a",
		"spec.podManagementPolicy": "OrderedReady",
		"spec.volumeClaimTemplates": []any{
			map[string]any{"metadata": map[string]any{"name": "cache"}, "spec": map[string]any{
				"accessModes": []any{"ReadWriteOncePod"}, "resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}}}},
			map[string]any{"metadata": map[string]any{"name": "data"}, "spec": map[string]any{
				"accessModes": []any{"ReadWriteOnce"}, "storageClassName": "fast", "resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}}},
		},
		"spec.template.spec.containers[0].volumeMounts": []any{
			map[string]any{"name": "tmp", "mountPath": "/tmp"},
			map[string]any{"name": "cache", "mountPath": "/cache"},
			map[string]any{"name": "data", "mountPath": "/var/lib/a"},
		},
	})
	if got := field(find(t, res, "Service"), "spec.clusterIP"); got != "None" {
		t.Errorf("the Service's clusterIP is %v, want None (headless)", got)
	}
	wantOrigins(t, res, "StatefulSet/a", map[string]string{
		"spec.volumeClaimTemplates[1].spec.resources.requests.storage": "[spec volumes data size]",
		"spec.volumeClaimTemplates[1].spec.storageClassName":           "[spec volumes data storageClass]",
		"spec.volumeClaimTemplates[0].spec.accessModes":                "[spec volumes cache accessMode]",
		"spec.template.spec.containers[0].volumeMounts[2].mountPath":   "[spec volumes data mountPath]",
		"spec.podManagementPolicy":                                     "[spec workload podManagementPolicy]",
		"spec.serviceName":                                             "[spec workload kind]",
		"spec.replicas":                                                "[spec sla availability]",
	})
	if got := kindOrigin(t, res, "Service/a", "spec.clusterIP"); got != "[spec workload kind]" {
		t.Errorf("origin of clusterIP = %s", got)
	}
	if len(res.Findings) > 0 {
		t.Errorf("findings %v", res.Findings)
	}
}

// A StatefulSet without a port has no Service to name: its pods have no
// DNS names, which nothing could call on anyway.
func TestStatefulSetWithoutPort(t *testing.T) {
	a := batchApp()
	a.Spec.Workload.PodManagementPolicy = "Parallel"
	res := compileKind(t, a, app.StatefulSet)
	s := find(t, res, app.StatefulSet)
	if got := field(s, "spec.serviceName"); got != nil {
		t.Errorf("serviceName %v without a Service", got)
	}
	if got := field(s, "spec.podManagementPolicy"); got != "Parallel" {
		t.Errorf("podManagementPolicy %v", got)
	}
	if slices.Contains(kinds(res), "Service") {
		t.Error("a Service for an app without a port")
	}
}

// A volume cannot take the name or the path of the mount kiln makes for
// /tmp: each is an error at the field.
func TestVolumeClashes(t *testing.T) {
	a := baseApp()
	a.Spec.Volumes = map[string]app.Volume{
		"tmp":  {MountPath: "/data", Size: "1Gi", AccessMode: "ReadWriteOnce"},
		"logs": {MountPath: "/tmp", Size: "1Gi", AccessMode: "ReadWriteOnce"},
	}
	res := compileKind(t, a, app.StatefulSet)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Code+" "+fmt.Sprint(f.Path))
	}
	slices.Sort(got)
	want := []string{"build/volume-mount [spec volumes logs mountPath]", "build/volume-name [spec volumes tmp]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if got := field(find(t, res, app.StatefulSet), "spec.volumeClaimTemplates"); got != nil {
		t.Errorf("claims %v", got)
	}
	// A volume after one left out is the first claim, and its fields'
	// origins say so.
	a.Spec.Volumes["zdata"] = app.Volume{MountPath: "/data2", Size: "2Gi", AccessMode: "ReadWriteOnce"} // sorted after both clashes
	res = compileKind(t, a, app.StatefulSet)
	if got := kindOrigin(t, res, "StatefulSet/a", "spec.volumeClaimTemplates[0].spec.resources.requests.storage"); got != "[spec volumes zdata size]" {
		t.Errorf("the first claim's size comes from %s", got)
	}
}

func TestJob(t *testing.T) {
	a := batchApp()
	a.Spec.Workload.ActiveDeadlineSeconds = ptr(int64(600))
	a.Spec.Workload.Parallelism = ptr(int32(2))
	a.Spec.Workload.Completions = ptr(int32(4))
	res := compileKind(t, a, app.Job)
	j := find(t, res, app.Job)
	wantFields(t, j, map[string]any{
		"spec.backoffLimit":                                 int64(3),
		"spec.ttlSecondsAfterFinished":                      int64(86400),
		"spec.activeDeadlineSeconds":                        int64(600),
		"spec.parallelism":                                  int64(2),
		"spec.completions":                                  int64(4),
		"spec.selector":                                     nil, // the API server's
		"spec.template.spec.restartPolicy":                  "Never",
		"spec.template.spec.containers[0].readinessProbe":   nil,
		"spec.template.spec.containers[0].livenessProbe":    map[string]any{"exec": map[string]any{"command": []any{"/app", "check"}}},
		"spec.template.metadata.labels[\"kiln.dev/owner\"]": "team-a",
	})
	wantOrigins(t, res, "Job/a", map[string]string{
		"spec.backoffLimit":                      "[spec workload backoffLimit]",
		"spec.activeDeadlineSeconds":             "[spec workload activeDeadlineSeconds]",
		"spec.template.spec.restartPolicy":       "[spec workload kind]",
		"spec.template.spec.containers[0].image": "[spec image]",
	})
}

func TestCronJob(t *testing.T) {
	a := batchApp()
	a.Spec.Workload.Schedule = "0 3 * * *"
	a.Spec.Workload.TimeZone = "Europe/Berlin"
	a.Spec.Workload.BackoffLimit = ptr(int32(0))
	res := compileKind(t, a, app.CronJob)
	c := find(t, res, app.CronJob)
	wantFields(t, c, map[string]any{
		"spec.schedule":                                          "0 3 * * *",
		"spec.timeZone":                                          "Europe/Berlin",
		"spec.concurrencyPolicy":                                 "Forbid",
		"spec.startingDeadlineSeconds":                           int64(300),
		"spec.successfulJobsHistoryLimit":                        int64(3),
		"spec.failedJobsHistoryLimit":                            int64(1),
		"spec.jobTemplate.spec.backoffLimit":                     int64(0),
		"spec.jobTemplate.spec.ttlSecondsAfterFinished":          nil, // the history limits keep its Jobs
		"spec.jobTemplate.spec.template.spec.restartPolicy":      "Never",
		"spec.jobTemplate.metadata.labels[\"kiln.dev/owner\"]":   "team-a",
		"spec.jobTemplate.spec.template.spec.serviceAccountName": "a",
	})
	wantOrigins(t, res, "CronJob/a", map[string]string{
		"spec.schedule":                                           "[spec workload schedule]",
		"spec.concurrencyPolicy":                                  "[spec workload concurrencyPolicy]",
		"spec.jobTemplate.spec.backoffLimit":                      "[spec workload backoffLimit]",
		"spec.jobTemplate.spec.activeDeadlineSeconds":             "[spec workload activeDeadlineSeconds]",
		"spec.jobTemplate.spec.template.spec.containers[0].image": "[spec image]",
	})
}

// The kinds table says what compile does.
func TestKindTableFollowsProducers(t *testing.T) {
	table := KindTable()
	for _, k := range Kinds() {
		if !strings.Contains(table, "\n| "+k.Kind+" |") {
			t.Errorf("the table has no row for %s:\n%s", k.Kind, table)
		}
	}
}

// wantFields fails for each field path of o whose value is not want's.
func wantFields(t *testing.T, o *Object, want map[string]any) {
	t.Helper()
	for path, w := range want {
		if got := field(o, path); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", path, got, w)
		}
	}
}

// wantOrigins fails for each field of object whose origin in the app is
// not want's.
func wantOrigins(t *testing.T, res *Result, object string, want map[string]string) {
	t.Helper()
	for f, w := range want {
		if got := kindOrigin(t, res, object, f); got != w {
			t.Errorf("origin of %s = %s, want %s", f, got, w)
		}
	}
}
