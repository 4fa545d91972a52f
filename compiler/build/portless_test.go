package build_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// guarded builds a definition with every output and the built-in
// guardrails, a hand-written Dockerfile beside it when dockerfile is set.
func guarded(t *testing.T, src, dockerfile string) (*build.Result, diag.List) {
	t.Helper()
	s, _ := schema.Load()
	doc, ds := load.Load(source.NewFile("worker/kiln.yaml", []byte(src)), load.Options{Root: "worker"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	b, err := guard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	opts := build.Options{Validator: validator(t), Policy: b,
		Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, SLO: true, Helm: true}}
	if dockerfile != "" {
		opts.Dockerfile = source.NewFile("worker/Dockerfile", []byte(dockerfile))
	}
	return build.Build(doc, a, opts)
}

func workerSource(t *testing.T) string {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "worker", "kiln.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// findings returns "file:line:col code" for each diagnostic but the info
// ones.
func findings(ds diag.List) []string {
	var out []string
	for _, d := range ds {
		if d.Severity != diag.Info {
			l, c := d.Pos.LineCol()
			out = append(out, fmt.Sprintf("%s:%d:%d %s", filepath.Base(d.Pos.File.Name), l, c, d.Code))
		}
	}
	return out
}

// TestPortlessApp builds the worker example, an app with protocol none,
// and checks every output for a port: none in the objects, the Helm
// values or the Dockerfile, and no guardrail that asks for one.
func TestPortlessApp(t *testing.T) {
	res, ds := guarded(t, workerSource(t), "")
	if got := findings(ds); len(got) > 0 {
		t.Errorf("the worker example has findings %v", got)
	}
	if strings.Contains(string(res.Dockerfile), "EXPOSE") {
		t.Errorf("the Dockerfile exposes a port:\n%s", res.Dockerfile)
	}
	for _, env := range res.Envs {
		if v, ok := env.HelmValues["containerPort"]; !ok || v != nil {
			t.Errorf("%s: Helm values containerPort = %v, want null", env.Name, v)
		}
		kinds := map[string]bool{}
		for _, o := range env.Objects {
			kinds[o.Kind] = true
		}
		if kinds["Service"] || kinds["Ingress"] || !kinds["NetworkPolicy"] || !kinds["Deployment"] {
			t.Errorf("%s: objects %v, want no Service or Ingress", env.Name, kinds)
		}
		for _, o := range env.Objects {
			for path, want := range map[string]any{
				"spec.template.spec.containers[0].ports":                       nil,
				"spec.template.spec.containers[0].livenessProbe.exec.command":  []any{"python", "worker.py", "--check"},
				"spec.template.spec.containers[0].readinessProbe.exec.command": []any{"python", "worker.py", "--check"},
			} {
				if o.Kind == "Deployment" && !reflect.DeepEqual(get(o, path), want) {
					t.Errorf("%s: %s %s = %v, want %v", env.Name, o.Key(), path, get(o, path), want)
				}
			}
			if o.Kind == "NetworkPolicy" && get(o, "spec.ingress") != nil {
				t.Errorf("%s: the NetworkPolicy admits traffic: %v", env.Name, get(o, "spec.ingress"))
			}
		}
	}
}

// TestPortlessGuardrails changes the worker as a user might and checks what
// the guardrails say: a worker without a health command is told once, at
// protocol, where its probes come from; a hand-written Dockerfile that
// exposes a port is an error at the EXPOSE; an SLA without metrics has no
// alerts, and the warning says why.
func TestPortlessGuardrails(t *testing.T) {
	src := workerSource(t)
	noCommand := strings.Replace(src, "  health:\n    command: [python, worker.py, --check]\n", "", 1)
	noMetrics := strings.Replace(src, "    metrics:  # pushed to a Pushgateway by the worker\n      total: invoice_jobs_total{exported_job=\"invoice-worker\"}\n      errors: invoice_jobs_total{exported_job=\"invoice-worker\",outcome=\"failed\"}\n", "", 1)
	noBuild := strings.Replace(src, "  build: {language: python, version: \"3.12\", main: worker.py}\n", "", 1)
	if noCommand == src || noMetrics == src || noBuild == src {
		t.Fatal("the worker example changed; update this test's edits")
	}
	at := func(s, text string) string { // "kiln.yaml:line:col" of text's first character
		i := strings.Index(s, text)
		return fmt.Sprintf("kiln.yaml:%d:%d", strings.Count(s[:i], "\n")+1, i-strings.LastIndex(s[:i], "\n"))
	}
	for name, c := range map[string]struct {
		src, dockerfile string
		want            []string
	}{
		"no health command": {noCommand, "", []string{at(noCommand, "protocol: none\n") + " probes-present"}},
		"an EXPOSE":         {noBuild, "FROM python:3.12-slim@sha256:" + strings.Repeat("0", 64) + "\nUSER 65532\nEXPOSE 8080\n", []string{"Dockerfile:3:1 dockerfile-expose"}},
		"no SLI metrics":    {noMetrics, "", []string{at(noMetrics, "sla:") + " build/slo-metrics"}},
	} {
		_, ds := guarded(t, c.src, c.dockerfile)
		if got := findings(ds); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: findings %v, want %v\n%v", name, got, c.want, ds)
		}
		for _, d := range ds {
			if d.Code == "probes-present" && !strings.Contains(d.Message, "spec.health.command") {
				t.Errorf("%s: %q does not say where the probes come from", name, d.Message)
			}
			if d.Code == "build/slo-metrics" && !strings.Contains(d.Message, "protocol none") {
				t.Errorf("%s: %q does not say why there are no default metrics", name, d.Message)
			}
		}
	}
}
