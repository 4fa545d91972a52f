package alerting

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/slo"
)

func TestParseContact(t *testing.T) {
	good := map[string]Contact{
		"#payments-oncall":            {Slack: "#payments-oncall"},
		"#ops_2":                      {Slack: "#ops_2"},
		"payments-oncall@example.com": {Email: "payments-oncall@example.com"},
		"a.b+alerts@mail.example.org": {Email: "a.b+alerts@mail.example.org"},
	}
	for in, want := range good {
		got, err := ParseContact(in)
		if err != nil || got != want {
			t.Errorf("ParseContact(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"#Payments":                   "not a Slack channel",
		"#":                           "not a Slack channel",
		"#pay ments":                  "not a Slack channel",
		"#" + strings.Repeat("a", 81): "not a Slack channel",
		"https://hooks.slack.com/services/T0/B0/x": "is a URL",
		"payments-oncall":                          "neither a Slack channel",
		"Payments <p@example.com>":                 "neither a Slack channel",
		"p@localhost":                              "neither a Slack channel",
		"p@":                                       "neither a Slack channel",
		"@payments":                                "neither a Slack channel",
	}
	for in, want := range bad {
		_, err := ParseContact(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "metadata.contact") {
			t.Errorf("ParseContact(%q) = %v; want an error saying %q", in, err, want)
		}
	}
}

// Every severity kiln's SLO alerts carry has its own route.
func TestTimingsCoverSLOAlerts(t *testing.T) {
	for _, al := range slo.Alerts {
		if !slices.ContainsFunc(Timings, func(tm Timing) bool { return tm.Severity == al.Severity }) {
			t.Errorf("no timing for severity %s", al.Severity)
		}
	}
}

func TestSlackRoute(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "checkout", Contact: "#payments-oncall"}}
	r, err := For(a, "prod", Settings{SlackSecret: "slack-webhook", SlackKey: "payments"})
	if err != nil {
		t.Fatal(err)
	}
	spec := r.Spec()
	recv := spec["receivers"].([]any)[0].(map[string]any)
	slack := recv["slackConfigs"].([]any)[0].(map[string]any)
	if got := slack["apiURL"].(map[string]any); got["name"] != "slack-webhook" || got["key"] != "payments" {
		t.Errorf("apiURL = %v", got)
	}
	if slack["channel"] != "#payments-oncall" || recv["name"] != "kiln-checkout-prod" {
		t.Errorf("receiver = %v", recv)
	}
	route := spec["route"].(map[string]any)
	if route["receiver"] != recv["name"] || len(route["routes"].([]any)) != len(Timings) {
		t.Errorf("route = %v", route)
	}
	p := r.Plain()
	if got := p.Receivers[0].SlackConfigs[0].APIURLFile; got != "/etc/alertmanager/secrets/slack-webhook/payments" {
		t.Errorf("api_url_file = %s", got)
	}
	if !slices.Equal(p.Route.Matchers, []string{`kiln_app="checkout"`, `kiln_env="prod"`}) {
		t.Errorf("matchers = %v", p.Route.Matchers)
	}
}

func TestEmailRouteAndDefaults(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "ledger", Contact: "ledger@example.com"}}
	r, err := For(a, "default", Settings{})
	if err != nil {
		t.Fatal(err)
	}
	recv := r.Spec()["receivers"].([]any)[0].(map[string]any)
	if _, ok := recv["slackConfigs"]; ok {
		t.Errorf("an e-mail contact has a Slack receiver: %v", recv)
	}
	if to := recv["emailConfigs"].([]any)[0].(map[string]any)["to"]; to != "ledger@example.com" {
		t.Errorf("to = %v", to)
	}
	// No secret is written in either form.
	b, err := r.Plain().YAML()
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, secret := range []string{"password", "api_url:", "smarthost"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the snippet writes %s:\n%s", secret, b)
		}
	}
	s := Settings{}
	if sec, key := s.slack(); sec != DefaultSlackSecret || key != DefaultSlackKey {
		t.Errorf("defaults = %s, %s", sec, key)
	}
}

// The snippet is byte for byte the same on every run.
func TestSnippetDeterministic(t *testing.T) {
	a := &app.App{Metadata: app.Metadata{Name: "checkout", Contact: "#payments-oncall"}}
	r, _ := For(a, "prod", Settings{})
	first, _ := r.Plain().YAML()
	for range 20 {
		if b, _ := r.Plain().YAML(); string(b) != string(first) {
			t.Fatalf("two runs differ:\n%s\n%s", first, b)
		}
	}
}
