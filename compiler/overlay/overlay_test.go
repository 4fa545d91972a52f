package overlay

import (
	"reflect"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
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
