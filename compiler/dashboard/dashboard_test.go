package dashboard_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/dashboard"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/internal/buildtest"
)

var update = flag.Bool("update", false, "rewrite the golden dashboards in testdata/golden")

// built is one environment's dashboard of one app.
type built struct {
	name  string // app file and environment, for messages
	env   build.Env
	model []byte // dashboards/<env>.json
	yaml  []byte // dashboards/<env>.yaml
}

// edgeApps hold what the examples do not: every latency objective of a
// gRPC app in a named namespace, a tcp app with nothing to measure its SLA
// with, an app without a port measured by the series it pushes, and an
// app without an SLA.
var edgeApps = map[string]string{
	"grpc": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: quotes, owner: team-quotes, namespace: quotes}
spec:
  image: registry.example.com/quotes@sha256:0000000000000000000000000000000000000000000000000000000000000000
  port: 9090
  protocol: grpc
  resources: {cpu: 100m, memory: 128Mi}
  scaling: {min: 3, max: 6}
  sla:
    availability: 99.5
    window: 4w
    latency: {p50: 5ms, p90: 20ms, p95: 1s, p99: 1m30s}
`,
	"tcp": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: relay, owner: team-net}
spec:
  image: registry.example.com/relay@sha256:0000000000000000000000000000000000000000000000000000000000000000
  port: 5000
  protocol: tcp
  resources: {cpu: 100m, memory: 128Mi}
  scaling: {min: 3, max: 3}
  sla: {availability: 99.9}
`,
	"pushed": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: mailer, owner: team-mail}
spec:
  image: registry.example.com/mailer@sha256:0000000000000000000000000000000000000000000000000000000000000000
  protocol: none
  resources: {cpu: 100m, memory: 128Mi}
  scaling: {min: 3, max: 3}
  sla:
    availability: 99
    metrics:
      total: mails_sent_total{job="mailer"}
      errors: mails_failed_total{job="mailer"}
`,
	"nosla": `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: plain, owner: team-plain}
spec:
  image: registry.example.com/plain@sha256:0000000000000000000000000000000000000000000000000000000000000000
  port: 8080
  resources: {cpu: 100m, memory: 128Mi}
`,
}

// buildApp builds one definition with the dashboard output and returns
// each environment's dashboard.
func buildApp(t *testing.T, path string, src []byte) []built {
	t.Helper()
	sel, err := emit.Parse("k8s,dashboard")
	if err != nil {
		t.Fatal(err)
	}
	res := buildtest.Build(t, path, src, build.Options{Emit: sel}, nil)
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	var out []built
	for _, env := range res.Envs {
		b := built{name: path + " " + env.Name, env: env,
			model: files["dashboards/"+env.Name+".json"], yaml: files["dashboards/"+env.Name+".yaml"]}
		if b.model == nil || b.yaml == nil {
			t.Fatalf("%s: no dashboards/%s.json or .yaml among %d files", path, env.Name, len(files))
		}
		out = append(out, b)
	}
	return out
}

// all returns the dashboards of every example and of edgeApps, built once
// for the package's tests (fresh() builds them again).
func all(t *testing.T) []built {
	t.Helper()
	if allBuilt == nil {
		allBuilt = fresh(t)
	}
	return allBuilt
}

var allBuilt []built

func fresh(t *testing.T) []built {
	t.Helper()
	paths, _ := filepath.Glob("../../examples/*/kiln.*")
	more, _ := filepath.Glob("../../examples/*/*/kiln.*")
	paths = append(paths, more...)
	if len(paths) < 8 {
		t.Fatalf("examples: %v", paths)
	}
	var out []built
	for _, p := range paths {
		out = append(out, buildApp(t, p, nil)...)
	}
	for _, name := range slices.Sorted(maps.Keys(edgeApps)) {
		out = append(out, buildApp(t, name+"/kiln.yaml", []byte(edgeApps[name]))...)
	}
	return out
}

// model is the part of Grafana's dashboard JSON the tests read.
type model struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID      int             `json:"id"`
	Type    string          `json:"type"`
	Title   string          `json:"title"`
	Options json.RawMessage `json:"options"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func parse(t *testing.T, b built) model {
	t.Helper()
	var m model
	if err := json.Unmarshal(b.model, &m); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	return m
}

// grafanaMacros are what Grafana puts in for its own variables before a
// query reaches Prometheus.
var grafanaMacros = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "6h")

// selectors parses expr as Prometheus does, once Grafana has put in its
// macros, and returns every series selector in it.
func selectors(t *testing.T, where, expr string) []*parser.VectorSelector {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaMacros.Replace(expr))
	if err != nil {
		t.Errorf("%s: the query does not parse as PromQL: %v\n%s", where, err, expr)
		return nil
	}
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// TestQueriesReadWhatIsRecordedOrScraped parses every panel's PromQL and
// holds each series it reads to one of three sources: a series the SLO
// rules record (its name, and labels the recording rule gives it), a
// series those rules read themselves (what kiln's ServiceMonitor scrapes,
// or sla.metrics), or a cAdvisor or kube-state-metrics series
// (saturation). A dashboard query that reads anything else would show a
// number no alert fires on.
func TestQueriesReadWhatIsRecordedOrScraped(t *testing.T) {
	for _, b := range all(t) {
		recorded, read := rules(t, b)
		m := parse(t, b)
		queries := 0
		for _, p := range m.Panels {
			for _, q := range p.Targets {
				queries++
				where := b.name + ": panel " + p.Title + " " + q.RefID
				for _, vs := range selectors(t, where, q.Expr) {
					switch {
					case slices.Contains(dashboard.Series, vs.Name):
					case read[vs.String()]:
					case scrapedBy(vs, b.env):
					case recordedBy(vs, recorded[vs.Name]):
					default:
						t.Errorf("%s reads %s, which neither the SLO rules record nor read, nor cAdvisor nor kube-state-metrics export", where, vs)
					}
				}
			}
		}
		for _, v := range m.Templating.List {
			if q, ok := v.Query.(string); ok && v.Name == dashboard.Namespace {
				inner := strings.TrimSuffix(strings.TrimPrefix(q, "label_values("), ", namespace)")
				for _, vs := range selectors(t, b.name+": variable "+v.Name, inner) {
					if !slices.Contains(dashboard.Series, vs.Name) {
						t.Errorf("%s: variable %s reads %s", b.name, v.Name, vs)
					}
				}
			}
		}
		if queries < 6 {
			t.Errorf("%s: only %d queries", b.name, queries)
		}
	}
}

// rules returns the labels of each series the environment's PrometheusRule
// records, by name, and every selector its expressions read.
func rules(t *testing.T, b built) (recorded map[string][]map[string]string, read map[string]bool) {
	recorded, read = map[string][]map[string]string{}, map[string]bool{}
	for _, o := range b.env.Objects {
		if o.Kind != "PrometheusRule" {
			continue
		}
		raw, _ := json.Marshal(o.Content["spec"])
		var spec struct {
			Groups []struct {
				Rules []struct {
					Record string            `json:"record"`
					Expr   string            `json:"expr"`
					Labels map[string]string `json:"labels"`
				} `json:"rules"`
			} `json:"groups"`
		}
		if err := json.Unmarshal(raw, &spec); err != nil {
			t.Fatal(err)
		}
		for _, g := range spec.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = append(recorded[r.Record], r.Labels)
				}
				for _, vs := range selectors(t, b.name+": rule "+r.Record, r.Expr) {
					read[vs.String()] = true
					// A latency objective reads two buckets of the
					// histogram; the dashboard's quantiles read them all.
					vs.LabelMatchers = slices.DeleteFunc(vs.LabelMatchers, func(m *labels.Matcher) bool { return m.Name == "le" })
					read[vs.String()] = true
				}
			}
		}
	}
	return recorded, read
}

// scrapedBy reports whether vs selects series of the job kiln's
// ServiceMonitor scrapes in env, by the labels it gives them: job is the
// app's name (the Service's app.kubernetes.io/name, its jobLabel) and
// kiln_env the environment (its relabeling).
func scrapedBy(vs *parser.VectorSelector, env build.Env) bool {
	for _, o := range env.Objects {
		if o.Kind != "ServiceMonitor" {
			continue
		}
		raw, _ := json.Marshal(o.Content)
		var sm struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				Endpoints []struct {
					Relabelings []struct {
						TargetLabel string `json:"targetLabel"`
						Replacement string `json:"replacement"`
					} `json:"relabelings"`
				} `json:"endpoints"`
			} `json:"spec"`
		}
		json.Unmarshal(raw, &sm)
		want := map[string]string{"job": sm.Metadata.Name}
		for _, e := range sm.Spec.Endpoints {
			for _, r := range e.Relabelings {
				want[r.TargetLabel] = r.Replacement
			}
		}
		got := map[string]string{}
		for _, m := range vs.LabelMatchers {
			if m.Type == labels.MatchEqual {
				got[m.Name] = m.Value
			}
		}
		if got["job"] == want["job"] && got["kiln_env"] != "" && got["kiln_env"] == want["kiln_env"] {
			return true
		}
	}
	return false
}

// recordedBy reports whether a rule records a series vs selects: one whose
// labels meet each of vs's matchers.
func recordedBy(vs *parser.VectorSelector, labels []map[string]string) bool {
	for _, l := range labels {
		ok := true
		for _, m := range vs.LabelMatchers {
			if m.Name != "__name__" && !m.Matches(l[m.Name]) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TestWhatExists checks what each kind of app gets: the SLO rows and the
// golden signals only where the SLO rules record and read series, and
// saturation everywhere.
func TestWhatExists(t *testing.T) {
	rows := func(b built) []string {
		var out []string
		for _, p := range parse(t, b).Panels {
			if p.Type == "row" {
				out = append(out, p.Title)
			}
		}
		return out
	}
	for name, want := range map[string][]string{
		"grpc": {"SLO: availability, 99.5% over 4w", "SLO: latency-p50, 50% over 4w", "SLO: latency-p90, 90% over 4w",
			"SLO: latency-p95, 95% over 4w", "SLO: latency-p99, 99% over 4w", "Golden signals", "Saturation"},
		"tcp":    {"Saturation"},
		"pushed": {"SLO: availability, 99% over 30d", "Golden signals", "Saturation"},
		"nosla":  {"Saturation"},
	} {
		for _, b := range buildApp(t, name+"/kiln.yaml", []byte(edgeApps[name])) {
			if got := rows(b); !slices.Equal(got, want) {
				t.Errorf("%s: rows %q, want %q", name, got, want)
			}
		}
	}
	// A named namespace is selected as written; without one the dashboard
	// asks for it.
	grpc := parse(t, buildApp(t, "grpc/kiln.yaml", []byte(edgeApps["grpc"]))[0])
	if len(grpc.Templating.List) != 1 || !strings.Contains(string(must(json.Marshal(grpc.Panels))), `namespace=\"quotes\"`) {
		t.Errorf("quotes, in namespace quotes: variables %v", grpc.Templating.List)
	}
	plain := parse(t, buildApp(t, "nosla/kiln.yaml", []byte(edgeApps["nosla"]))[0])
	if len(plain.Templating.List) != 2 || plain.Templating.List[1].Name != dashboard.Namespace {
		t.Errorf("plain, without a namespace: variables %v", plain.Templating.List)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestDeterministic builds every dashboard twice and compares the bytes,
// and checks that uids are stable, distinct and Grafana-sized, that panel
// ids are unique, and that nothing holds a time.
func TestDeterministic(t *testing.T) {
	first, second := all(t), fresh(t)
	uids := map[string]string{}
	stamp := regexp.MustCompile(`20\d\d-\d\d-\d\dT`)
	for i, b := range first {
		if !bytes.Equal(b.model, second[i].model) || !bytes.Equal(b.yaml, second[i].yaml) {
			t.Errorf("%s: two builds differ", b.name)
		}
		m := parse(t, b)
		if other, ok := uids[m.UID]; ok && other != b.name {
			t.Errorf("%s and %s share uid %s", b.name, other, m.UID)
		}
		uids[m.UID] = b.name
		if len(m.UID) > 40 || !strings.HasPrefix(m.UID, "kiln-") {
			t.Errorf("%s: uid %q", b.name, m.UID)
		}
		ids := map[int]bool{}
		for _, p := range m.Panels {
			if ids[p.ID] || p.ID == 0 {
				t.Errorf("%s: panel id %d twice or unset", b.name, p.ID)
			}
			ids[p.ID] = true
		}
		if stamp.Match(b.model) {
			t.Errorf("%s: the dashboard holds a timestamp", b.name)
		}
	}
}

// TestObjectHoldsTheFile checks that the GrafanaDashboard among the
// manifests holds the file's dashboard under its uid, with the app's
// labels: the operator and file provisioning load the same dashboard.
func TestObjectHoldsTheFile(t *testing.T) {
	for _, b := range all(t) {
		var obj *compile.Object
		for i, o := range b.env.Objects {
			if o.Kind == dashboard.Kind {
				obj = &b.env.Objects[i]
			}
		}
		if obj == nil {
			t.Fatalf("%s: no GrafanaDashboard among the manifests", b.name)
		}
		spec, _ := obj.Content["spec"].(map[string]any)
		if spec["json"] != string(b.model) || spec["uid"] != parse(t, b).UID {
			t.Errorf("%s: the GrafanaDashboard's spec.json or uid is not the file's", b.name)
		}
		meta, _ := obj.Content["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		if labels["app.kubernetes.io/managed-by"] != "kiln" || labels["kiln.dev/owner"] == nil {
			t.Errorf("%s: labels %v", b.name, labels)
		}
	}
}

// TestGolden compares the reference example's prod dashboard with
// testdata/golden (go test -update rewrites it).
func TestGolden(t *testing.T) {
	for _, b := range buildApp(t, "../../examples/reference/kiln.yaml", nil) {
		if b.env.Name != "prod" {
			continue
		}
		golden := filepath.Join("testdata", "golden", "checkout-prod.json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, b.model, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test ./compiler/dashboard -run TestGolden -update writes it)", err)
		}
		if !bytes.Equal(b.model, want) {
			t.Errorf("the checkout prod dashboard differs from %s (go test -run TestGolden -update rewrites it)", golden)
		}
		return
	}
	t.Fatal("no prod dashboard")
}
