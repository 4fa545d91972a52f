// Package policies embeds kiln's built-in guardrails: one Rego file per
// rule (<id>.rego) with its unit tests beside it (<id>_test.rego). Each
// rule declares its identity in a METADATA block: title, description
// (the rationale) and custom.id, custom.severity, custom.remediation.
package policies

import "embed"

// FS holds the built-in rules and their tests.
//
//go:embed *.rego
var FS embed.FS
