package catalog

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

func TestEntry(t *testing.T) {
	a := &app.App{
		Metadata: app.Metadata{Name: "checkout", Owner: "team-payments", Contact: "#oncall", Description: "Checkout API", System: "payments", Lifecycle: "production"},
		Spec: app.Spec{SLA: &app.SLA{Availability: 99.95, Window: "28d", Latency: &app.Latency{P99: "300ms"}},
			Ingress: &app.Ingress{Host: "checkout.example.com", Path: "/"}},
	}
	e := Entry(a)
	for path, want := range map[string]any{
		"spec.owner": "team-payments", "spec.type": "service", "spec.lifecycle": "production", "spec.system": "payments",
		"metadata.description": "Checkout API", "metadata.links[0].url": "https://checkout.example.com/",
	} {
		if got, _ := fieldpath.Resolve(e.Content, fieldpath.Parse(path)); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	ann := e.Content["metadata"].(map[string]any)["annotations"].(map[string]any)
	for k, want := range map[string]string{AnnotAvailability: "99.95", AnnotWindow: "28d", AnnotLatencyP + "p99": "300ms", AnnotContact: "#oncall"} {
		if ann[k] != want {
			t.Errorf("annotation %s = %v, want %s", k, ann[k], want)
		}
	}
	if _, ok := ann[AnnotAvailability]; !ok {
		t.Error("no SLA annotation")
	}
	// Without an SLA there is no SLA annotation, rather than an empty one.
	e = Entry(&app.App{Metadata: app.Metadata{Name: "x", Owner: "o", Lifecycle: "experimental"}})
	if _, ok := e.Content["metadata"].(map[string]any)["annotations"].(map[string]any)[AnnotAvailability]; ok {
		t.Error("SLA annotation without an SLA")
	}
}
