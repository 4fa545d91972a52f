package config

import (
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/source"
)

func TestAlerting(t *testing.T) {
	f := source.NewFile(Name, []byte("alerting:\n  slackSecret: payments-slack\n  slackKey: webhook-url\n"))
	c, ds := Parse(f, ".")
	if ds != nil {
		t.Fatal(ds)
	}
	if want := (alerting.Settings{SlackSecret: "payments-slack", SlackKey: "webhook-url"}); c.Alerting != want {
		t.Errorf("Alerting = %+v, want %+v", c.Alerting, want)
	}
	if c, _ := Parse(source.NewFile(Name, []byte("failOn: error\n")), "."); c.Alerting != (alerting.Settings{}) {
		t.Errorf("without alerting: %+v", c.Alerting)
	}
}

// A name Kubernetes would refuse is an error at the value; an unknown
// setting at its key.
func TestAlertingMistakes(t *testing.T) {
	for src, want := range map[string]struct {
		line, col int
		msg       string
	}{
		"alerting:\n  slackSecret: Payments_Slack\n": {2, 16, `slackSecret "Payments_Slack" is not a Secret's name`},
		"alerting:\n  slackKey: web hook\n":          {2, 13, `slackKey "web hook" is not a Secret's key`},
		"alerting:\n  slack: x\n":                    {2, 3, "unknown alerting setting slack (known: slackSecret, slackKey)"},
		"alerting: [x]\n":                            {1, 11, "alerting must be a map"},
	} {
		_, ds := Parse(source.NewFile(Name, []byte(src)), ".")
		if len(ds) != 1 {
			t.Errorf("%q: %v", src, ds)
			continue
		}
		line, col := ds[0].Pos.LineCol()
		if line != want.line || col != want.col || !strings.Contains(ds[0].Message, want.msg) {
			t.Errorf("%q: %d:%d %s; want %d:%d %s", src, line, col, ds[0].Message, want.line, want.col, want.msg)
		}
	}
}
