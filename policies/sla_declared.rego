# METADATA
# title: Apps declare an SLA, which production requires
# description: Without an availability promise nobody can size replicas, disruption budgets or alerts, and nobody knows what users were promised.
# custom:
#   id: sla-declared
#   severity: error
#   remediation: Add spec.sla.availability (kiln explain spec.sla.availability shows what it decides).
package kiln.rules.sla_declared

import data.kiln.lib
import rego.v1

deny contains lib.app_finding("spec", sprintf("production environment %s runs without an SLA (spec.sla)", [input.environment])) if {
	lib.production
	input.app
	serves
	not input.app.spec.sla
}

# Outside production a missing SLA is a warning: the environment promises
# nothing, but the app will need a promise before it reaches production.
deny contains object.union(lib.app_finding("spec", "the app declares no SLA (spec.sla); production environments require one"), {"severity": "warning"}) if {
	not lib.production
	input.app
	serves
	not input.app.spec.sla
}

# serves holds for an app that serves requests: a Job or a CronJob runs to
# completion, so an availability promise has nothing to measure (the
# schema refuses its sla).
serves if not object.get(input.app, ["spec", "workload", "kind"], "Deployment") in {"Job", "CronJob"}
