package alerting_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/slo"
	"github.com/kilnhq/kiln/internal/buildtest"
	"github.com/kilnhq/kiln/internal/toolcheck"
)

// TestAmtool checks each environment's route snippet with Alertmanager's
// own amtool, as a platform would merge it: wrapped in a minimal
// alertmanager.yml (fallback receiver, global SMTP settings), the whole
// configuration passes amtool check-config, and amtool config routes test
// sends every alert kiln's SLO rules raise in that environment, with its
// real labels, to the app's receiver through the route of its severity,
// and another environment's alerts elsewhere.
func TestAmtool(t *testing.T) {
	amtool := needAmtool(t)
	cases, _ := filepath.Glob("testdata/amtool/*/kiln.yaml")
	if len(cases) < 2 {
		t.Fatalf("no cases: %v", cases)
	}
	for _, def := range cases {
		t.Run(filepath.Base(filepath.Dir(def)), func(t *testing.T) {
			res := buildtest.Build(t, def, nil, build.Options{Emit: build.Artifacts{K8s: true, SLO: true, Alerts: true}}, nil)
			for _, env := range res.Envs {
				cfg := wrap(t, env.Alertmanager)
				check(t, amtool, cfg, true)
				alerts := sloAlerts(t, env)
				if len(alerts) < 2 {
					t.Fatalf("%s: %d SLO alerts", env.Name, len(alerts))
				}
				receiver := "kiln-" + res.App.Metadata.Name + "-" + env.Name
				for _, labels := range alerts {
					routes(t, amtool, cfg, receiver, `{severity="`+severityOf(labels)+`"}`, labels)
					// The same alert from another environment is not this
					// environment's to hear of.
					other := append(slices.Clone(labels[:len(labels)-1]), slo.LabelEnv+"=elsewhere") // kiln_env is last
					routes(t, amtool, cfg, "fallback", "", other)
				}
			}
		})
	}
}

// TestAmtoolCanFail proves the checks above can fail: amtool refuses a
// snippet whose route names a receiver it does not define, and routes an
// alert the snippet's matchers miss to the fallback.
func TestAmtoolCanFail(t *testing.T) {
	amtool := needAmtool(t)
	res := buildtest.Build(t, "testdata/amtool/slack/kiln.yaml", nil, build.Options{Emit: build.Artifacts{K8s: true, Alerts: true}}, nil)
	snippet := res.Envs[0].Alertmanager
	broken := strings.Replace(string(snippet), "receiver: kiln-checkout-", "receiver: nobody-", 1)
	if broken == string(snippet) {
		t.Fatalf("nothing to break in:\n%s", snippet)
	}
	check(t, amtool, wrap(t, []byte(broken)), false)
	cfg := wrap(t, snippet)
	out, err := exec.Command(amtool, "config", "routes", "test", "--config.file="+cfg, "--verify.receivers=kiln-checkout-"+res.Envs[0].Name,
		"kiln_app=payments", slo.LabelEnv+"="+res.Envs[0].Name, "severity=page").CombinedOutput()
	if err == nil {
		t.Errorf("amtool routed another app's alert to this app's receiver:\n%s", out)
	}
}

// wrap writes snippet into a minimal complete alertmanager.yml and
// returns its path: the snippet's route under a top-level route with a
// fallback receiver, the global SMTP settings an e-mail receiver uses.
func wrap(t *testing.T, snippet []byte) string {
	t.Helper()
	if snippet == nil {
		t.Fatal("no snippet")
	}
	var s struct {
		Route     map[string]any   `yaml:"route"`
		Receivers []map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(snippet, &s); err != nil {
		t.Fatalf("%v\n%s", err, snippet)
	}
	receivers := []any{map[string]any{"name": "fallback"}}
	for _, r := range s.Receivers {
		receivers = append(receivers, r)
	}
	cfg := map[string]any{
		"global":    map[string]any{"smtp_smarthost": "smtp.example.com:587", "smtp_from": "alertmanager@example.com"},
		"route":     map[string]any{"receiver": "fallback", "routes": []any{s.Route}},
		"receivers": receivers,
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// check runs amtool check-config on cfg, which must pass when ok.
func check(t *testing.T, amtool, cfg string, ok bool) {
	t.Helper()
	out, err := exec.Command(amtool, "check-config", cfg).CombinedOutput()
	if (err == nil) != ok {
		b, _ := os.ReadFile(cfg)
		t.Errorf("amtool check-config: %v (want success: %v)\n%s\n%s", err, ok, out, b)
	}
}

// routes runs amtool config routes test with labels, which must reach
// receiver and no other; at the app's receiver, through the route of the
// alert's severity (leaf, as amtool's --tree prints it), when leaf is set.
func routes(t *testing.T, amtool, cfg, receiver, leaf string, labels []string) {
	t.Helper()
	args := append([]string{"config", "routes", "test", "--tree", "--config.file=" + cfg, "--verify.receivers=" + receiver}, labels...)
	out, err := exec.Command(amtool, args...).CombinedOutput()
	if err != nil {
		t.Errorf("amtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if leaf != "" && !strings.Contains(string(out), leaf+"  receiver: "+receiver+"\n") {
		t.Errorf("amtool %s: the alert does not take the route %s:\n%s", strings.Join(args, " "), leaf, out)
	}
}

// severityOf is the severity label of an alert's labels.
func severityOf(labels []string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, "severity="); ok {
			return v
		}
	}
	return ""
}

// sloAlerts returns the labels of every alert of env's PrometheusRule, as
// amtool takes them (name=value, kiln_env last), with the alert's name.
func sloAlerts(t *testing.T, env build.Env) [][]string {
	t.Helper()
	var out [][]string
	for _, o := range env.Objects {
		if o.Kind != "PrometheusRule" {
			continue
		}
		b, err := yaml.Marshal(o.Content["spec"])
		if err != nil {
			t.Fatal(err)
		}
		var spec struct{ Groups []slo.Group }
		if err := yaml.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		for _, g := range spec.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				labels := []string{"alertname=" + r.Alert}
				for _, k := range sortedKeys(r.Labels) {
					if k != slo.LabelEnv {
						labels = append(labels, fmt.Sprintf("%s=%s", k, r.Labels[k]))
					}
				}
				out = append(out, append(labels, slo.LabelEnv+"="+r.Labels[slo.LabelEnv]))
			}
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// needAmtool returns amtool's path. Without it the test says loudly that
// it skipped, and fails under CI=true, where .ci/run installs it.
func needAmtool(t *testing.T) string {
	t.Helper()
	p := toolcheck.Command(t, "amtool", "Debian: apt-get install prometheus-alertmanager", "the Alertmanager routes")
	if out, err := exec.Command(p, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), "amtool") {
		t.Fatalf("%s --version: %v\n%s", p, err, out)
	}
	return p
}
