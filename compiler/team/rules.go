package team

import "github.com/kilnhq/kiln/compiler/diag"

// A Rule is one of the guardrails that judge the apps together, which
// no single app's evaluation can: kiln rules and the rules reference list
// them beside the Rego rules, and the configuration's disable, severity
// and waivers apply to them as to those.
type Rule struct {
	ID          string
	Title       string
	Description string
	Remediation string
	Severity    diag.Severity // the default
}

// Rule ids.
const (
	RuleNamespace = "team-namespace"
	RuleBudget    = "team-budget"
)

// Rules are the team guardrails, by id.
var Rules = []Rule{
	{
		ID:          RuleNamespace,
		Title:       "Every app's namespace is a team's or declared external",
		Description: "With the team namespaces on, kiln creates each namespace an app uses, for the app's owner. An app that names no namespace lands wherever the person applying it points, outside any team's quota, RBAC and default-deny policy; a namespace two teams use would give each the other's quota and rights.",
		Remediation: "Set metadata.namespace (or environments.<env>.namespace) to a namespace of the app's owner, or list the namespace under teams.external in .kiln/config.yaml when something else creates it.",
		Severity:    diag.Error,
	},
	{
		ID:          RuleBudget,
		Title:       "A team's apps fit its budget",
		Description: "teams.budgets caps what a team's apps may request in an environment: their CPU and memory requests times their most replicas (the autoscaler's maximum, with a rollout's surge), summed over the team's apps. The app that takes the sum over the budget is the one to change, or the budget is.",
		Remediation: "Lower the app's requests or its scaling.max, or raise the team's budget in teams.budgets.",
		Severity:    diag.Error,
	},
}

// RuleLine is the line of rules.go where Rules[i] is declared, for kiln
// rules' SOURCE: the rules are in order, each ruleLines long.
func RuleLine(i int) int { return firstRuleLine + i*ruleLines }

const firstRuleLine, ruleLines = 26, 7

// Known reports whether id is a team rule.
func Known(id string) bool {
	for _, r := range Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}
