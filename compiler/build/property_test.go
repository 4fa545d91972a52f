package build_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/internal/appgen"
)

// TestPropertiesOfGeneratedApps builds many random apps and checks what
// must hold for all: the one port is used consistently, every object
// carries the owner, and every object passes strict API validation. The
// port also agrees with the Dockerfile's EXPOSE and the Helm values; an
// app without a port (a worker) has it nowhere.
func TestPropertiesOfGeneratedApps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		src := appgen.Random(r, i)
		res, ds := buildFile(t, "kiln.yaml", []byte(src))
		for _, d := range ds {
			if d.Code == "kube/schema" {
				t.Fatalf("app %d: %s\n%s", i, d.Message, src)
			}
		}
		want := fmt.Sprint(res.App.Spec.Port)
		if res.App.Spec.Protocol == "none" {
			want = "<nil>" // no port anywhere
		}
		if res.Dockerfile != nil && exposes(string(res.Dockerfile)) != want {
			t.Fatalf("app %d: Dockerfile exposes %s, want %s\n%s", i, exposes(string(res.Dockerfile)), want, res.Dockerfile)
		}
		for _, env := range res.Envs {
			if got := fmt.Sprint(env.HelmValues["containerPort"]); got != want {
				t.Fatalf("app %d %s: Helm values containerPort = %s, want %s", i, env.Name, got, want)
			}
			checkPort(t, env.Objects, want, src)
			for _, o := range env.Objects {
				if got := get(o, `metadata.labels["kiln.dev/owner"]`); got != res.App.Metadata.Owner {
					t.Fatalf("%s has owner label %v, want %s\n%s", o.Key(), got, res.App.Metadata.Owner, src)
				}
			}
		}
	}
}

// exposes returns the first port of a Dockerfile's one EXPOSE, the
// app's primary port (its named ports follow), or "<nil>".
func exposes(dockerfile string) string {
	_, after, ok := strings.Cut(dockerfile, "\nEXPOSE ")
	if !ok {
		return "<nil>"
	}
	line, _, _ := strings.Cut(after, "\n")
	port, _, _ := strings.Cut(line, " ")
	return port
}

// checkPort requires every place the port goes to say want, and for an
// app without a port ("<nil>") no Service and no port anywhere.
func checkPort(t *testing.T, objs []compile.Object, want string, src string) {
	t.Helper()
	paths := map[string][]string{
		"Deployment":    {"spec.template.spec.containers[0].ports[0].containerPort"},
		"Service":       {"spec.ports[0].port", "spec.ports[0].targetPort"},
		"NetworkPolicy": {"spec.ingress[0].ports[0].port"},
	}
	for _, o := range objs {
		if want == "<nil>" && (o.Kind == "Service" || o.Kind == "Ingress") {
			t.Fatalf("an app without a port has a %s\n%s", o.Kind, src)
		}
		for _, p := range paths[o.Kind] {
			if got := get(o, p); fmt.Sprint(got) != want {
				t.Fatalf("%s %s = %v, want %s\n%s", o.Key(), p, got, want, src)
			}
		}
		if o.Kind != "Deployment" {
			continue
		}
		for _, probe := range []string{"livenessProbe", "readinessProbe"} {
			base := "spec.template.spec.containers[0]." + probe
			got := firstOf(o, base+".httpGet.port", base+".grpc.port", base+".tcpSocket.port")
			if fmt.Sprint(got) != want {
				t.Fatalf("%s %s port = %v, want %s\n%s", o.Key(), probe, got, want, src)
			}
		}
	}
}

// get reads a field path; a label key holding dots is looked up whole.
func get(o compile.Object, path string) any {
	v, _ := sourcemap.Lookup(o.Content, path)
	return v
}

func firstOf(o compile.Object, paths ...string) any {
	for _, p := range paths {
		if v, ok := sourcemap.Lookup(o.Content, p); ok {
			return v
		}
	}
	return nil
}
