package alerting_test

import "github.com/kilnhq/kiln/compiler/alerting"

// alertingSettings are a repository's own names for the Slack webhook's
// Secret, as .kiln/config.yaml's alerting gives them.
func alertingSettings() alerting.Settings {
	return alerting.Settings{SlackSecret: "payments-slack", SlackKey: "webhook-url"}
}
