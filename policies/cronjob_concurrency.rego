# METADATA
# title: CronJobs do not run over themselves
# description: With concurrencyPolicy Allow, Kubernetes' default, a run that is still going when the next one is due runs beside it; two runs of a job written to run alone corrupt what they share, and a slow run piles up ever more of them.
# custom:
#   id: cronjob-concurrency
#   severity: warning
#   remediation: Leave spec.workload.concurrencyPolicy out (kiln writes Forbid, which skips a run while the last one still goes) or set Replace; in a manifest, set spec.concurrencyPolicy.
package kiln.rules.cronjob_concurrency

import data.kiln.lib
import rego.v1

deny contains lib.finding(o, "spec.concurrencyPolicy", message(o)) if {
	some o in input.objects
	lib.cronjob(o)
	object.get(o.spec, "concurrencyPolicy", "Allow") == "Allow"
}

message(o) := sprintf("CronJob/%s allows a run to start while the last one still runs (concurrencyPolicy Allow); set Forbid or Replace", [o.metadata.name]) if o.spec.concurrencyPolicy

message(o) := sprintf("CronJob/%s sets no concurrencyPolicy, so Kubernetes allows a run to start while the last one still runs; set Forbid or Replace", [o.metadata.name]) if not o.spec.concurrencyPolicy
