# METADATA
# title: Production apps declare an SLA
# description: Without an availability promise nobody can size replicas, disruption budgets or alerts, and nobody knows what users were promised.
# custom:
#   id: sla-declared
#   severity: warning
#   remediation: Add spec.sla.availability (kiln explain spec.sla.availability shows what it decides).
package kiln.rules.sla_declared

import rego.v1

deny contains {"app_path": "spec", "msg": sprintf("environment %s runs without an SLA (spec.sla)", [input.environment])} if {
	input.environment in {"prod", "production"}
	not input.app.spec.sla
}
