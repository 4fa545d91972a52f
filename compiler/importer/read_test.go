package importer_test

import (
	"go.yaml.in/yaml/v3"

	"fmt"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/source"
)

// findings renders diagnostics as file:line:col: severity: [code].
func findings(ds diag.List) []string {
	var out []string
	for _, d := range ds {
		line, col := d.Pos.LineCol()
		out = append(out, fmt.Sprintf("%d:%d: %s [%s]", line, col, d.Severity, d.Code))
	}
	return out
}

// Each bad input is one positioned error, and nothing is imported.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"template", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n", "4:9: error [import/template]"},
		{"template in a value", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, annotations: {x: \"{{ .y }}\"}}\ndata: {a: \"{{ .b }}\"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {template: {spec: {containers: [{name: b, image: \"{{ .Values.image }}\"}]}}}\n", "9:57: error [import/template]"},
		{"not an object", "replicas: 3\nimage: web:1\n", "1:1: error [import/not-an-object]"},
		{"second document", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n- just\n- a list\n", "5:1: error [import/not-an-object]"},
		{"no name", "apiVersion: v1\nkind: Service\nmetadata: {}\n", "1:1: error [import/no-name]"},
		{"syntax", "apiVersion: v1\nkind: [Service\n", "2:1: error [load/yaml-syntax]"},
		{"empty", "\n\n", "1:1: error [import/empty]"},
		{"duplicate", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n", "7:12: error [import/duplicate]"},
		{"score without containers", "apiVersion: score.dev/v1b1\nmetadata: {name: web}\n", "1:1: error [import/score]"},
		{"score without image", "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  web: {command: [x]}\n", "4:8: error [import/score]"},
		{"score bad name", "apiVersion: score.dev/v1b1\nmetadata: {name: Web_1}\ncontainers:\n  web: {image: web:1}\n", "2:18: error [import/score]"},
		{"score built image", "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  web: {image: .}\n", "4:16: error [import/score]"},
		{"score version", "apiVersion: score.dev/v2\nmetadata: {name: web}\n", "1:13: error [import/score]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := source.NewFile("in.yaml", []byte(tc.text))
			r, ds := importer.Files([]*source.File{f}, importer.Options{})
			got := findings(ds)
			if r != nil || len(got) != 1 || got[0] != tc.want {
				t.Errorf("got %q (result %v), want one %q", got, r != nil, tc.want)
			}
		})
	}
}

// A ConfigMap that holds templates of its own once rendered (alerting
// templates) is no unrendered chart.
func TestTemplatesInData(t *testing.T) {
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\ndata:\n  slack.tmpl: |\n    {{ define \"slack.title\" }}{{ .Status }}{{ end }}\n"
	objs, _, ds := importer.Read(source.NewFile("in.yaml", []byte(text)))
	if len(ds) > 0 || len(objs) != 1 {
		t.Errorf("%q, %d objects", findings(ds), len(objs))
	}
}

// An object of a kind kiln has no model for is a warning at its kind,
// and makes the import unproven; a literal Secret is a warning at its
// data, and its values appear nowhere in the definition.
func TestWarnings(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {team: team-web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1.0.0
          env:
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: web-token, key: token}}
---
apiVersion: v1
kind: Secret
metadata: {name: web-token}
stringData:
  token: hunter2
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web}
rules: []
`
	r, ds := importer.Files([]*source.File{source.NewFile("in.yaml", []byte(text))}, options(t, ""))
	if r == nil {
		t.Fatalf("no result: %q", findings(ds))
	}
	got := strings.Join(findings(ds), "\n")
	for _, want := range []string{"19:1: warning [import/literal-secret]", "22:1: warning [import/no-model]"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if r.Proven() {
		t.Error("an import that drops a Role is proven")
	}
	def := string(r.Apps[0].Definition)
	if strings.Contains(def, "hunter2") {
		t.Errorf("the secret's value is in the definition:\n%s", def)
	}
	if !strings.Contains(def, "TOKEN: {secret: web-token, key: token}") || !strings.Contains(def, "owner: team-web # inferred from the label team") {
		t.Errorf("definition:\n%s", def)
	}
}

// A Score workload becomes an app; its placeholders and resources are
// warnings at their lines.
func TestScore(t *testing.T) {
	text := `apiVersion: score.dev/v1b1
metadata:
  name: hello
containers:
  hello:
    image: ghcr.io/example/hello:1.2.3
    variables:
      GREETING: hi
      DB_HOST: ${resources.db.host}
    resources:
      requests: {cpu: 50m, memory: 64Mi}
service:
  ports:
    www: {port: 80, targetPort: 8080}
resources:
  db: {type: postgres}
`
	r, ds := importer.Files([]*source.File{source.NewFile("score.yaml", []byte(text))}, options(t, "team-hello"))
	if r == nil || len(r.Apps) != 1 {
		t.Fatalf("no app: %q", findings(ds))
	}
	got := strings.Join(findings(ds), "\n")
	for _, want := range []string{"9:16: warning [import/score-placeholder]", "15:1: warning [import/score-resources]"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	def := string(r.Apps[0].Definition)
	for _, want := range []string{"name: hello", "image: ghcr.io/example/hello:1.2.3", "port: 8080", "GREETING: hi", "cpu: 50m"} {
		if !strings.Contains(def, want) {
			t.Errorf("no %q in\n%s", want, def)
		}
	}
	if len(r.Apps[0].Lost) > 0 {
		t.Errorf("lost %+v", r.Apps[0].Lost)
	}
}

// FuzzImport reads whatever it is given: errors, never a panic, and every
// finding positioned inside the file.
func FuzzImport(f *testing.F) {
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: web, image: web:1}]}}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n"))
	f.Add([]byte("apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers: {web: {image: web:1, variables: {A: b}}}\nservice: {ports: {http: {port: 80}}}\n"))
	f.Add([]byte("name: {{ .Values.name }}\n"))
	f.Add([]byte("---\n---\n# only comments\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := source.NewFile("fuzz.yaml", data)
		objs, score, ds := importer.Read(file)
		for _, d := range ds {
			if d.Pos.File != file || d.Pos.Offset < 0 || d.Pos.Offset > len(file.Content) {
				t.Fatalf("finding outside the file: %+v", d)
			}
		}
		for _, o := range objs {
			o.Locate("spec.template.spec.containers[name=web].image")
		}
		_ = score
	})
}

// An object kiln names otherwise is one difference, at its name, and the
// references to it follow kiln's name instead of being patched back.
func TestRenamed(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web-sa
      containers: [{name: web, image: "web:1.0.0", ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web-sa}
---
apiVersion: v1
kind: Service
metadata: {name: web-svc}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web-svc, port: {number: 80}}}}
`
	r, ds := importer.Files([]*source.File{source.NewFile("in.yaml", []byte(text))}, options(t, "team-web"))
	if r == nil || len(r.Apps) != 1 {
		t.Fatalf("no app: %q", findings(ds))
	}
	var lost []string
	for _, c := range r.Apps[0].Lost {
		for _, f := range c.Fields {
			lost = append(lost, fmt.Sprintf("%s %s: %v → %v", c.Key.Kind, f.Path, f.Old, f.New))
		}
	}
	want := []string{"ServiceAccount metadata.name: web-sa → web", "Service metadata.name: web-svc → web"}
	if strings.Join(lost, "\n") != strings.Join(want, "\n") {
		t.Errorf("lost:\n%s\nwant:\n%s", strings.Join(lost, "\n"), strings.Join(want, "\n"))
	}
	def := string(r.Apps[0].Definition)
	if strings.Contains(def, "value: web-s") {
		t.Errorf("a reference is patched back to a name kiln does not emit:\n%s", def)
	}
}

// A PodDisruptionBudget with minAvailable and an Ingress backend naming
// its Service's port: kiln writes maxUnavailable and a port number, which
// the API server refuses beside the input's choice. The import takes
// kiln's out, and what it builds is what the input said.
func TestExclusiveFields(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "web:1.0.0", ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
`
	a, objs := importOne(t, text)
	if len(a.Lost) > 0 {
		t.Fatalf("lost: %+v", a.Lost)
	}
	for _, obj := range objs {
		spec, _ := obj["spec"].(map[string]any)
		switch obj["kind"] {
		case "PodDisruptionBudget":
			if _, both := spec["maxUnavailable"]; both || spec["minAvailable"] == nil {
				t.Errorf("PodDisruptionBudget spec: %v", spec)
			}
		case "Ingress":
			b, _ := yaml.Marshal(spec)
			if strings.Contains(string(b), "number:") || !strings.Contains(string(b), "name: http") {
				t.Errorf("Ingress spec:\n%s", b)
			}
		}
	}
}

// A Helm chart's pods carry the chart's labels, which the workload's
// kept selector matches and kiln's do not: the PodDisruptionBudget and
// the NetworkPolicy kiln adds select the pods by the input's selector too.
func TestAddedObjectsFollowTheSelector(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: rel-mychart, labels: {app.kubernetes.io/name: mychart, app.kubernetes.io/instance: rel}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: mychart, app.kubernetes.io/instance: rel}}
  template:
    metadata: {labels: {app.kubernetes.io/name: mychart, app.kubernetes.io/instance: rel}}
    spec:
      containers: [{name: mychart, image: "web:1.0.0", ports: [{name: http, containerPort: 8080}]}]
`
	_, objs := importOne(t, text)
	want := map[string]any{"app.kubernetes.io/name": "mychart", "app.kubernetes.io/instance": "rel"}
	seen := map[string]bool{}
	for _, obj := range objs {
		spec, _ := obj["spec"].(map[string]any)
		var sel any
		switch obj["kind"] {
		case "PodDisruptionBudget":
			sel = spec["selector"].(map[string]any)["matchLabels"]
		case "NetworkPolicy":
			sel = spec["podSelector"].(map[string]any)["matchLabels"]
		case "Service":
			sel = spec["selector"]
		default:
			continue
		}
		seen[obj["kind"].(string)] = true
		if fmt.Sprint(sel) != fmt.Sprint(want) {
			t.Errorf("%s selects %v, not the pods (%v)", obj["kind"], sel, want)
		}
	}
	if !seen["PodDisruptionBudget"] || !seen["NetworkPolicy"] {
		t.Errorf("kiln added %v; want a PodDisruptionBudget and a NetworkPolicy", seen)
	}
}

// A variable named like a secret with its value in the manifest: the
// value is never imported, the definition refers to a Secret instead,
// and the round trip says what it did not carry.
func TestLiteralSecretInEnv(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1.0.0
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: DB_PASSWORD, value: hunter2}
`
	r, ds := importer.Files([]*source.File{source.NewFile("in.yaml", []byte(text))}, options(t, "team-web"))
	if r == nil || len(r.Apps) != 1 {
		t.Fatalf("no app: %q", findings(ds))
	}
	if def := string(r.Apps[0].Definition); strings.Contains(def, "hunter2") || !strings.Contains(def, "DB_PASSWORD: {secret: web, key: DB_PASSWORD}") {
		t.Errorf("definition:\n%s", def)
	}
	if !strings.Contains(strings.Join(findings(ds), "\n"), "14:35: warning [import/literal-secret]") {
		t.Errorf("no warning at the value:\n%s", findings(ds))
	}
	if len(r.Apps[0].Lost) == 0 {
		t.Error("the round trip is proven without the value")
	}
	if s := fmt.Sprintf("%+v", r.Apps[0].Lost); strings.Contains(s, "hunter2") {
		t.Errorf("the loss shows the value: %s", s)
	}
}

// Limits without requests are the requests too, as the API server
// defaults them: the imported pod keeps its QoS class (Guaranteed).
func TestLimitsAreTheRequests(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1.0.0
          resources:
            limits: {cpu: 500m, memory: 1Gi}
`
	_, objs := importOne(t, text)
	for _, obj := range objs {
		if obj["kind"] != "Deployment" {
			continue
		}
		c := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
		res := c["resources"].(map[string]any)
		if fmt.Sprint(res["requests"]) != fmt.Sprint(res["limits"]) {
			t.Errorf("requests %v, limits %v: the pod is no longer Guaranteed", res["requests"], res["limits"])
		}
	}
}

// importOne imports text, which must make one app, builds the definition
// it writes as kiln build would, and returns the app and what it builds.
func importOne(t *testing.T, text string) (*importer.App, []map[string]any) {
	t.Helper()
	o := options(t, "team-web")
	r, ds := importer.Files([]*source.File{source.NewFile("in.yaml", []byte(text))}, o)
	if r == nil || len(r.Apps) != 1 || ds.HasErrors() {
		t.Fatalf("no app: %q", findings(ds))
	}
	objs, bds := o.Build("web/kiln.yaml", r.Apps[0].Definition)
	if bds.HasErrors() {
		t.Fatalf("the definition does not build: %q", findings(bds))
	}
	return r.Apps[0], objs
}
