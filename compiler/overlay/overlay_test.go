package overlay

import (
	"reflect"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

func TestApply(t *testing.T) {
	one, three, five := 1, 3, 5
	a := &app.App{Spec: app.Spec{
		Image:     "a:1",
		Resources: app.Resources{CPU: "100m", Memory: "128Mi"},
		Scaling:   &app.Scaling{Min: &three, Max: &five, CPUTarget: 70},
		Env:       map[string]string{"A": "1", "B": "2"},
		Environments: map[string]app.Overrides{
			"staging": {Scaling: &app.ScalingOverrides{Min: &one}, Env: map[string]string{"B": "3"},
				Resources: &app.ResourceOverrides{Memory: "64Mi"}, Ingress: &app.IngressOverrides{Host: "s.example.com"}},
		},
	}}
	got := Apply(a, "staging")
	s := got.Spec
	if *s.Scaling.Min != 1 || *s.Scaling.Max != 5 || s.Scaling.CPUTarget != 70 {
		t.Errorf("scaling = %+v", s.Scaling)
	}
	if !reflect.DeepEqual(s.Env, map[string]string{"A": "1", "B": "3"}) {
		t.Errorf("env = %v", s.Env)
	}
	if s.Resources != (app.Resources{CPU: "100m", Memory: "64Mi"}) || s.Ingress.Host != "s.example.com" || s.Ingress.Path != "/" {
		t.Errorf("resources %+v, ingress %+v", s.Resources, s.Ingress)
	}
	if s.Environments != nil {
		t.Error("the merged app still declares environments")
	}
	// The base app is unchanged.
	if *a.Spec.Scaling.Min != 3 || a.Spec.Env["B"] != "2" {
		t.Error("Apply changed its input")
	}
	if got := Environments(a); !reflect.DeepEqual(got, []string{"staging"}) {
		t.Errorf("Environments = %v", got)
	}
	if got := Environments(&app.App{}); !reflect.DeepEqual(got, []string{Default}) {
		t.Errorf("Environments of an app without any = %v", got)
	}
}

// An environment's sla merges field by field: prod raising availability
// keeps the base latency objectives, window, metrics and labels.
func TestApplyMergesTheSLA(t *testing.T) {
	high := 99.95
	a := &app.App{Spec: app.Spec{
		SLA: &app.SLA{Availability: 99.9, Window: "28d", Latency: &app.Latency{P50: "50ms", P99: "300ms"},
			Metrics:    &app.SLIMetrics{Total: `reqs{job="a"}`, Errors: `errs{job="a"}`},
			Monitoring: app.Monitoring{Labels: map[string]string{"release": "kube-prometheus-stack", "team": "a"}, Path: "/metrics"}},
		Environments: map[string]app.Overrides{
			"prod": {SLA: &app.SLAOverrides{Availability: &high, Latency: &app.Latency{P99: "200ms"},
				Metrics:    &app.SLIMetrics{Errors: `errs{job="a",code="500"}`},
				Monitoring: &app.MonitoringOverrides{Labels: map[string]string{"release": "prom"}}}},
			"staging": {SLA: &app.SLAOverrides{Window: "7d"}},
		},
	}}
	want := app.SLA{Availability: 99.95, Window: "28d", Latency: &app.Latency{P50: "50ms", P99: "200ms"},
		Metrics:    &app.SLIMetrics{Total: `reqs{job="a"}`, Errors: `errs{job="a",code="500"}`},
		Monitoring: app.Monitoring{Labels: map[string]string{"release": "prom", "team": "a"}, Path: "/metrics"}}
	if got := Apply(a, "prod").Spec.SLA; !reflect.DeepEqual(*got, want) {
		t.Errorf("prod sla = %+v\nwant %+v", *got, want)
	}
	staging := *a.Spec.SLA
	staging.Window = "7d"
	if got := Apply(a, "staging").Spec.SLA; !reflect.DeepEqual(*got, staging) {
		t.Errorf("staging sla = %+v\nwant %+v", *got, staging)
	}
	if a.Spec.SLA.Latency.P99 != "300ms" || a.Spec.SLA.Metrics.Errors != `errs{job="a"}` || a.Spec.SLA.Monitoring.Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("Apply changed the base SLA: %+v", a.Spec.SLA)
	}
}

// Without a base SLA, an environment's sla is the whole SLA, on the
// schema's defaults.
func TestApplySLAWithoutBase(t *testing.T) {
	avail := 99.0
	a := &app.App{Spec: app.Spec{Environments: map[string]app.Overrides{
		"prod": {SLA: &app.SLAOverrides{Availability: &avail}},
	}}}
	want := SLADefaults()
	want.Availability = 99
	if got := Apply(a, "prod").Spec.SLA; got == nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("prod sla = %+v, want %+v", got, want)
	}
	if Apply(a, "staging").Spec.SLA != nil {
		t.Error("an environment without sla has one")
	}
}

// SLADefaults are the defaults schemas/app.cue gives an SLA.
func TestSLADefaultsAreTheSchemas(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	src := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: t}\nspec: {image: \"nginx:1.27\", port: 80, sla: {availability: 99}}\n"
	doc, ds := load.Load(source.NewFile("kiln.yaml", []byte(src)), load.Options{})
	a, more := check.Check(doc, s)
	if ds = append(ds, more...); ds.HasErrors() {
		t.Fatal(ds)
	}
	want := SLADefaults()
	want.Availability = 99
	if !reflect.DeepEqual(*a.Spec.SLA, want) {
		t.Errorf("the schema's SLA defaults are %+v; SLADefaults says %+v", *a.Spec.SLA, want)
	}
}

// An environment replaces the Ingress class and adds or replaces its
// annotations by name, keeping the rest.
func TestApplyMergesIngressAnnotations(t *testing.T) {
	a := &app.App{Spec: app.Spec{
		Ingress: &app.Ingress{Host: "a.example.com", Path: "/", ClassName: "nginx",
			Annotations: map[string]string{"a": "1", "b": "2"}, TLS: &app.TLS{SecretName: "a-tls"}},
		Environments: map[string]app.Overrides{
			"prod":    {Ingress: &app.IngressOverrides{ClassName: "traefik", Annotations: map[string]string{"b": "3", "c": "4"}}},
			"staging": {Ingress: &app.IngressOverrides{Host: "s.example.com"}},
		},
	}}
	got := Apply(a, "prod").Spec.Ingress
	want := app.Ingress{Host: "a.example.com", Path: "/", ClassName: "traefik",
		Annotations: map[string]string{"a": "1", "b": "3", "c": "4"}, TLS: &app.TLS{SecretName: "a-tls"}}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("prod ingress = %+v, want %+v", *got, want)
	}
	if s := Apply(a, "staging").Spec.Ingress; s.ClassName != "nginx" || !reflect.DeepEqual(s.Annotations, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("staging ingress = %+v", s)
	}
	if a.Spec.Ingress.Annotations["b"] != "2" {
		t.Error("Apply changed the base annotations")
	}
}

// An environment that brings a struct the base leaves out gets the
// defaults the schema gives that struct when the base writes it: the
// overlay reads them from schemas/app.cue, so the two cannot drift.
func TestOverrideWithoutBaseHasTheSchemasDefaults(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	checked := func(spec string) *app.App {
		t.Helper()
		src := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: t}\nspec: {image: \"nginx:1.27\", port: 80" + spec + "}\n"
		doc, ds := load.Load(source.NewFile("kiln.yaml", []byte(src)), load.Options{})
		a, more := check.Check(doc, s)
		if ds = append(ds, more...); ds.HasErrors() {
			t.Fatal(ds)
		}
		return a
	}
	inBase := checked(", scaling: {max: 4}, ingress: {host: a.example.com}, sla: {availability: 99}")
	inEnv := Apply(checked(", environments: {prod: {scaling: {max: 4}, ingress: {host: a.example.com}, sla: {availability: 99}}}"), "prod")
	if !reflect.DeepEqual(inEnv.Spec.Scaling, inBase.Spec.Scaling) {
		t.Errorf("scaling from an environment %+v, from the base %+v", *inEnv.Spec.Scaling, *inBase.Spec.Scaling)
	}
	if !reflect.DeepEqual(inEnv.Spec.Ingress, inBase.Spec.Ingress) {
		t.Errorf("ingress from an environment %+v, from the base %+v", *inEnv.Spec.Ingress, *inBase.Spec.Ingress)
	}
	if !reflect.DeepEqual(inEnv.Spec.SLA, inBase.Spec.SLA) {
		t.Errorf("sla from an environment %+v, from the base %+v", *inEnv.Spec.SLA, *inBase.Spec.SLA)
	}
}
