package alerting

import (
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/slo"
)

// The Secret an AlertmanagerConfig reads the Slack webhook URL from when
// the repository's configuration names none (.kiln/config.yaml's
// alerting.slackSecret and alerting.slackKey).
const (
	DefaultSlackSecret = "alertmanager-slack"
	DefaultSlackKey    = "url"
)

// SecretsDir is where an Alertmanager run by the Prometheus operator finds
// the Secrets its spec.secrets lists (<dir>/<secret>/<key>): the plain
// snippet reads the Slack webhook URL from the same Secret there.
const SecretsDir = "/etc/alertmanager/secrets"

// Settings are the repository's choices for the routing kiln writes.
type Settings struct {
	// SlackSecret and SlackKey name the Secret, in the app's namespace,
	// and its key that hold the Slack incoming webhook URL; empty: the
	// defaults.
	SlackSecret, SlackKey string
}

func (s Settings) slack() (secret, key string) {
	secret, key = s.SlackSecret, s.SlackKey
	if secret == "" {
		secret = DefaultSlackSecret
	}
	if key == "" {
		key = DefaultSlackKey
	}
	return secret, key
}

// A Contact is a usable metadata.contact: where a receiver sends.
type Contact struct {
	Slack string // the channel, with its #
	Email string // the address
}

// slackChannel is a Slack channel name as Slack accepts it: lower-case
// letters, digits, hyphens and underscores, at most 80 characters.
var slackChannel = regexp.MustCompile(`^#[a-z0-9_-]{1,80}$`)

// ParseContact reads metadata.contact. Its error says what the contact
// must be instead.
func ParseContact(s string) (Contact, error) {
	if strings.HasPrefix(s, "#") {
		if !slackChannel.MatchString(s) {
			return Contact{}, fmt.Errorf("metadata.contact %q is not a Slack channel: after the #, a channel name has 1 to 80 lower-case letters, digits, hyphens or underscores, such as #payments-oncall", s)
		}
		return Contact{Slack: s}, nil
	}
	if strings.Contains(s, "://") {
		// The message does not repeat the URL: it is a credential.
		return Contact{}, fmt.Errorf("metadata.contact is a URL, which kiln does not route alerts to: a webhook URL is a credential, and the contact is written into every object's annotations and the catalog; give the Slack channel (#payments-oncall) or an e-mail address")
	}
	if addr, err := mail.ParseAddress(s); err == nil && addr.Address == s && addr.Name == "" && strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return Contact{Email: s}, nil
	}
	return Contact{}, fmt.Errorf("metadata.contact %q is neither a Slack channel (#payments-oncall) nor an e-mail address (payments-oncall@example.com), so the alerts cannot be routed to it", s)
}

// Timing is how an Alertmanager groups and repeats the notifications of
// one severity of kiln's SLO alerts.
type Timing struct {
	Severity                                 string
	GroupWait, GroupInterval, RepeatInterval string
}

// Timings cover the severities of slo.Alerts: a page is sent at once and
// repeated every hour while it fires; a ticket waits for its group to
// gather and is repeated once a day.
var Timings = []Timing{
	{Severity: "page", GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "1h"},
	{Severity: "ticket", GroupWait: "5m", GroupInterval: "1h", RepeatInterval: "24h"},
}

// GroupBy is what notifications are grouped by: one per alert and
// objective.
var GroupBy = []string{"alertname", slo.LabelSLO}

// A Route is the routing of one app's alerts in one environment.
type Route struct {
	App, Env string
	Contact  Contact
	Settings Settings
}

// For returns the route of a's alerts in env, from its metadata.contact
// (which must be set); the error is ParseContact's.
func For(a *app.App, env string, s Settings) (Route, error) {
	c, err := ParseContact(a.Metadata.Contact)
	if err != nil {
		return Route{}, err
	}
	return Route{App: a.Metadata.Name, Env: env, Contact: c, Settings: s}, nil
}

// Receiver is the receiver's name, the same in both forms; the operator
// prefixes it with the AlertmanagerConfig's namespace and name.
func (r Route) Receiver() string { return "kiln-" + r.App + "-" + r.Env }

// labels are the alert labels the route matches, in order.
func (r Route) labels() [][2]string {
	return [][2]string{{slo.LabelApp, r.App}, {slo.LabelEnv, r.Env}}
}

// Spec is the AlertmanagerConfig's spec.
func (r Route) Spec() map[string]any {
	var matchers []any
	for _, l := range r.labels() {
		matchers = append(matchers, map[string]any{"name": l[0], "value": l[1], "matchType": "="})
	}
	var routes []any
	for _, t := range Timings {
		routes = append(routes, map[string]any{
			"matchers":       []any{map[string]any{"name": "severity", "value": t.Severity, "matchType": "="}},
			"groupWait":      t.GroupWait,
			"groupInterval":  t.GroupInterval,
			"repeatInterval": t.RepeatInterval,
		})
	}
	receiver := map[string]any{"name": r.Receiver()}
	switch {
	case r.Contact.Slack != "":
		secret, key := r.Settings.slack()
		receiver["slackConfigs"] = []any{map[string]any{
			"apiURL":       map[string]any{"name": secret, "key": key},
			"channel":      r.Contact.Slack,
			"sendResolved": true,
		}}
	default:
		receiver["emailConfigs"] = []any{map[string]any{"to": r.Contact.Email, "sendResolved": true}}
	}
	return map[string]any{
		"route": map[string]any{
			"receiver": r.Receiver(),
			"groupBy":  stringsAny(GroupBy),
			"matchers": matchers,
			"routes":   routes,
		},
		"receivers": []any{receiver},
	}
}

// plainRoute and the types below are Alertmanager's configuration file
// (alertmanager.yml) as far as the snippet writes it, in its field order.
type plainRoute struct {
	Receiver       string       `yaml:"receiver,omitempty"`
	GroupBy        []string     `yaml:"group_by,omitempty"`
	Matchers       []string     `yaml:"matchers"`
	GroupWait      string       `yaml:"group_wait,omitempty"`
	GroupInterval  string       `yaml:"group_interval,omitempty"`
	RepeatInterval string       `yaml:"repeat_interval,omitempty"`
	Routes         []plainRoute `yaml:"routes,omitempty"`
}

type plainReceiver struct {
	Name         string       `yaml:"name"`
	SlackConfigs []plainSlack `yaml:"slack_configs,omitempty"`
	EmailConfigs []plainEmail `yaml:"email_configs,omitempty"`
}

type plainSlack struct {
	APIURLFile   string `yaml:"api_url_file"`
	Channel      string `yaml:"channel"`
	SendResolved bool   `yaml:"send_resolved"`
}

type plainEmail struct {
	To           string `yaml:"to"`
	SendResolved bool   `yaml:"send_resolved"`
}

// Snippet is the plain Alertmanager configuration of the route: a route
// to add to the routes of the configuration's top-level route, and the
// receiver to add to its receivers.
type Snippet struct {
	Route     plainRoute      `yaml:"route"`
	Receivers []plainReceiver `yaml:"receivers"`
}

// Plain returns the route as a plain Alertmanager configuration.
func (r Route) Plain() Snippet {
	var matchers []string
	for _, l := range r.labels() {
		matchers = append(matchers, l[0]+"="+quote(l[1]))
	}
	route := plainRoute{Receiver: r.Receiver(), GroupBy: GroupBy, Matchers: matchers}
	for _, t := range Timings {
		route.Routes = append(route.Routes, plainRoute{Matchers: []string{"severity=" + quote(t.Severity)},
			GroupWait: t.GroupWait, GroupInterval: t.GroupInterval, RepeatInterval: t.RepeatInterval})
	}
	receiver := plainReceiver{Name: r.Receiver()}
	switch {
	case r.Contact.Slack != "":
		secret, key := r.Settings.slack()
		receiver.SlackConfigs = []plainSlack{{APIURLFile: SecretsDir + "/" + secret + "/" + key, Channel: r.Contact.Slack, SendResolved: true}}
	default:
		receiver.EmailConfigs = []plainEmail{{To: r.Contact.Email, SendResolved: true}}
	}
	return Snippet{Route: route, Receivers: []plainReceiver{receiver}}
}

// YAML writes the snippet as the file kiln emits, with a header that says
// where its parts go.
func (s Snippet) YAML() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Generated by kiln from metadata.contact: add route to the routes of your\n")
	b.WriteString("# alertmanager.yml's top-level route, and receivers to its receivers.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// quote writes a label value as Alertmanager's matchers read it: in
// double quotes, with backslashes and quotes escaped.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
