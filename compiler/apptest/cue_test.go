package apptest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

func runCUE(t *testing.T, tg Target, src string) map[string][]string {
	t.Helper()
	s, ds := ParseCUE(source.NewFile(filepath.Join(filepath.Dir(tg.Doc.File.Name), "kiln_test.cue"), []byte(src)))
	if ds != nil {
		t.Fatalf("parse: %v", ds)
	}
	out := map[string][]string{}
	for _, r := range RunCUE(s, tg, Options{}) {
		out[r.Case.Name] = lines(r)
	}
	return out
}

func TestCUEConstraints(t *testing.T) {
	tg := target(t, webApp+`  sla: {availability: 99.5}
  scaling: {min: 2, max: 4}
  ingress: {host: web.example.com, tls: {secretName: web-tls}}
  environments: {prod: {}, staging: {}}
`)
	got := runCUE(t, tg, `deployment: spec: template: spec: securityContext: runAsNonRoot: true
environments: prod: ingress: spec: tls: [...{secretName: =~"-tls$"}]
environments: staging: horizontalPodAutoscaler: spec: minReplicas: >=2
`)
	for name, f := range got {
		if len(f) != 0 {
			t.Errorf("holding constraints, %s: %v", name, f)
		}
	}
	got = runCUE(t, tg, `deployment: spec: replicas: 3
configMap: data: x: "1"
horizontalPodAutoscaler: spec: minReplicas: >=3
environments: qa: deployment: metadata: name: "web"
`)
	want := map[string][]string{
		"kiln_test.cue (prod)": {
			"1: deployment.spec.replicas: the output has no such field, and the constraint requires one [test/cue]",
			"2: environment prod emits no configMap (it emits deployment, horizontalPodAutoscaler, ingress, networkPolicy, podDisruptionBudget, prometheusRule, service, serviceAccount, serviceMonitor) [test/cue]",
			"3: horizontalPodAutoscaler.spec.minReplicas: invalid value 2 (out of bound >=3) [test/cue]",
		},
		"kiln_test.cue (qa)": {"4: environments.qa: the app has no environment qa; it has prod, staging [test/cannot-run]"},
	}
	want["kiln_test.cue (staging)"] = []string{
		strings.Replace(want["kiln_test.cue (prod)"][0], "prod", "staging", 1),
		strings.Replace(want["kiln_test.cue (prod)"][1], "prod", "staging", 1),
		want["kiln_test.cue (prod)"][2],
	}
	if len(got) != len(want) {
		t.Errorf("cases %v", got)
	}
	for name, w := range want {
		if strings.Join(got[name], "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", name, got[name], w)
		}
	}
}

// Every object of a kind meets the constraints on it, not only the first.
func TestCUEChecksEveryObjectOfAKind(t *testing.T) {
	s, ds := ParseCUE(source.NewFile("kiln_test.cue", []byte(`configMap: data: level: "info"`+"\n")))
	if ds != nil {
		t.Fatal(ds)
	}
	cm := func(name, level string) any {
		return map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": name}, "data": map[string]any{"level": level}}
	}
	got := s.check(s.value, map[string][]any{"configMap": {cm("a", "info"), cm("b", "debug")}}, "default")
	if len(got) != 1 || !strings.Contains(got[0].Message, `configMap b: configMap.data.level: conflicting values "debug" and "info"`) {
		t.Errorf("%v", got)
	}
}

// CUE counts columns in bytes; a constraint after non-ASCII text on its
// line is still reported at the constraint itself, for conflicts, missing
// fields, kinds not emitted and syntax errors alike.
func TestCUEPositionsAfterNonASCII(t *testing.T) {
	tg := target(t, webApp+"  scaling: {min: 2, max: 4}\n")
	src := `horizontalPodAutoscaler: metadata: labels: "kiln.dev/owner": !="ünïcödé ✓", horizontalPodAutoscaler: spec: minReplicas: >=3
deployment: metadata: name: !="ü—✓", deployment: spec: replicas: 3
service: metadata: name: !="☃", configMap: data: x: "1"
`
	s, ds := ParseCUE(source.NewFile(filepath.Join(filepath.Dir(tg.Doc.File.Name), "kiln_test.cue"), []byte(src)))
	if ds != nil {
		t.Fatal(ds)
	}
	at := func(d diag.Diagnostic) string { return src[d.Pos.Offset:min(d.Pos.Offset+10, len(src))] }
	want := map[string]string{"invalid value 2": ">=3\ndeploy", "no such field": "replicas: ", "emits no configMap": "configMap:"}
	for _, r := range RunCUE(s, tg, Options{}) {
		if len(r.Failures) != len(want) {
			t.Errorf("%s: %v", r.Case.Name, lines(r))
		}
		for _, d := range r.Failures {
			for msg, text := range want {
				if strings.Contains(d.Message, msg) && at(d) != text {
					line, col := d.Pos.LineCol()
					t.Errorf("%q reported at %d:%d, before %q; want before %q", d.Message, line, col, at(d), text)
				}
			}
		}
	}
	_, ds = ParseCUE(source.NewFile("kiln_test.cue", []byte(`a: "ü ✓", b: }`+"\n")))
	if len(ds) != 1 || ds[0].Pos.RuneCol() != 14 {
		t.Errorf("a syntax error after non-ASCII text: %v at character %d, want 14", ds, ds[0].Pos.RuneCol())
	}
	// The end of the file is after the last character of its last line.
	_, ds = ParseCUE(source.NewFile("kiln_test.cue", []byte(`a: "ü✓" &&`+"\n")))
	if line, _ := ds[0].Pos.LineCol(); len(ds) != 1 || line != 1 || ds[0].Pos.RuneCol() != 11 {
		t.Errorf("a syntax error at the end: %v at %d:%d, want 1:11", ds, line, ds[0].Pos.RuneCol())
	}
}

// A CUE test's messages spell paths in kiln's one grammar: a quoted key
// in brackets, a list element by its index; and a field the output lacks
// is reported once, not again by CUE's own error under it.
func TestCUEPathsInTheOneGrammar(t *testing.T) {
	s, ds := ParseCUE(source.NewFile("kiln_test.cue", []byte(`deployment: metadata: annotations: "a.b/c": {x: 1}
deployment: spec: template: spec: containers: [{image: "nginx:1.27"}]
`)))
	if ds != nil {
		t.Fatal(ds)
	}
	d := map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "web", "annotations": map[string]any{"other": "1"}},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"image": "nginx:latest"}}}}}}
	got := s.check(s.value, map[string][]any{"deployment": {d}}, "default")
	var msgs []string
	for _, d := range got {
		msgs = append(msgs, d.Message)
		if d.Kind != diag.Finding {
			t.Errorf("%s: kind %v, want finding", d.Message, d.Kind)
		}
	}
	want := []string{
		`deployment.metadata.annotations["a.b/c"]: the output has no such field, and the constraint requires one`,
		`deployment.spec.template.spec.containers[0].image: conflicting values "nginx:latest" and "nginx:1.27"`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
