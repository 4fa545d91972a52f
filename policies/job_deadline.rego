# METADATA
# title: Jobs have a deadline
# description: A Job without activeDeadlineSeconds that hangs runs forever, holding its resources, and a CronJob's next runs are skipped (Forbid) or pile up (Allow) behind it; nobody is told.
# custom:
#   id: job-deadline
#   severity: warning
#   remediation: Set spec.workload.activeDeadlineSeconds to the longest a run may take; in a manifest, a Job's spec.activeDeadlineSeconds or a CronJob's spec.jobTemplate.spec.activeDeadlineSeconds.
package kiln.rules.job_deadline

import data.kiln.lib
import rego.v1

deny contains lib.finding(o, path, sprintf("%s/%s has no activeDeadlineSeconds: a run that hangs runs forever", [o.kind, o.metadata.name])) if {
	some o in input.objects
	some prefix in job_spec(o)
	path := concat(".", array.concat(prefix, ["activeDeadlineSeconds"]))
	not is_number(object.get(o, array.concat(prefix, ["activeDeadlineSeconds"]), null))
}

# job_spec is the path to the Job spec of a Job or a CronJob.
job_spec(o) := {["spec"]} if lib.job(o)

job_spec(o) := {["spec", "jobTemplate", "spec"]} if lib.cronjob(o)
