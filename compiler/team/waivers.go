package team

import "github.com/kilnhq/kiln/compiler/waiver"

// An app's own waiver cannot exempt from a rule that judges the apps
// together (no one app's build sees it): an app's waiver of a team rule
// is told where such a waiver goes, the repository's configuration.
func init() { waiver.AcrossApps(RuleNamespace, RuleBudget) }
