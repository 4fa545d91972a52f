package build_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// randomApp writes a valid app definition with random choices.
func randomApp(r *rand.Rand, i int) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n  name: app-%d\n  owner: team-%d\n", i, r.IntN(50))
	if r.IntN(2) == 0 {
		b.WriteString("  contact: \"#oncall\"\n")
	}
	fmt.Fprintf(&b, "spec:\n  image: registry.example.com/t/app-%d:%d.%d.%d\n", i, r.IntN(3), r.IntN(10), r.IntN(10))
	fmt.Fprintf(&b, "  port: %d\n  protocol: %s\n", 1+r.IntN(65535), pick("http", "grpc", "tcp"))
	fmt.Fprintf(&b, "  resources: {cpu: %q, memory: %s}\n", pick("50m", "250m", "1", "2500m"), pick("64Mi", "512Mi", "1Gi"))
	if r.IntN(2) == 0 {
		lo := 1 + r.IntN(4)
		fmt.Fprintf(&b, "  scaling: {min: %d, max: %d, cpuTarget: %d}\n", lo, lo+r.IntN(5), 1+r.IntN(100))
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "  sla: {availability: %s}\n", pick("95", "99", "99.5", "99.9", "99.95", "99.99", "99.999"))
	}
	if r.IntN(2) == 0 {
		b.WriteString("  env: {LOG_LEVEL: info, MODE: fast}\n  secrets: {DB_URL: {secret: db, key: url}}\n")
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "  build: {language: %s, version: \"%d\"}\n", pick("go", "node", "python", "java", "static"), 1+r.IntN(30))
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "  ingress: {host: app-%d.example.com, path: /api}\n", i)
	}
	if r.IntN(2) == 0 {
		b.WriteString("  environments:\n    staging: {scaling: {min: 1, max: 2}}\n")
		fmt.Fprintf(&b, "    prod: {resources: {memory: 2Gi}, ingress: {host: prod-%d.example.com}}\n", i)
	}
	return b.String()
}

// TestPropertiesOfGeneratedApps builds many random apps and checks what
// must hold for all: the one port is used consistently, every object
// carries the owner, and every object passes strict API validation. The
// port also agrees with the Dockerfile's EXPOSE and the Helm values.
func TestPropertiesOfGeneratedApps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		src := randomApp(r, i)
		res, ds := buildFile(t, "kiln.yaml", []byte(src))
		for _, d := range ds {
			if d.Code == "kube/schema" {
				t.Fatalf("app %d: %s\n%s", i, d.Message, src)
			}
		}
		want := fmt.Sprint(res.App.Spec.Port)
		if res.Dockerfile != nil && !strings.Contains(string(res.Dockerfile), "\nEXPOSE "+want+"\n") {
			t.Fatalf("app %d: Dockerfile does not EXPOSE %s\n%s", i, want, res.Dockerfile)
		}
		for _, env := range res.Envs {
			if got := fmt.Sprint(env.HelmValues["containerPort"]); got != want {
				t.Fatalf("app %d %s: Helm values containerPort = %s, want %s", i, env.Name, got, want)
			}
			checkPort(t, env.Objects, res.App.Spec.Port, src)
			for _, o := range env.Objects {
				if got := get(o, "metadata.labels.kiln.dev/owner"); got != res.App.Metadata.Owner {
					t.Fatalf("%s has owner label %v, want %s\n%s", o.Key(), got, res.App.Metadata.Owner, src)
				}
			}
		}
	}
}

func checkPort(t *testing.T, objs []compile.Object, port int, src string) {
	t.Helper()
	want := fmt.Sprint(port)
	paths := map[string][]string{
		"Deployment":    {"spec.template.spec.containers[0].ports[0].containerPort"},
		"Service":       {"spec.ports[0].port", "spec.ports[0].targetPort"},
		"NetworkPolicy": {"spec.ingress[0].ports[0].port"},
	}
	for _, o := range objs {
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
	if key, ok := strings.CutPrefix(path, "metadata.labels."); ok {
		labels, _ := sourcemap.Lookup(o.Content, "metadata.labels")
		m, _ := labels.(map[string]any)
		return m[key]
	}
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
