package kiln.rules.job_deadline_test

import data.kiln.rules.job_deadline
import rego.v1

job(spec) := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "a"}, "spec": spec}

cronjob(spec) := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "a"}, "spec": {"jobTemplate": {"spec": spec}}}

test_job_without_deadline_fails if {
	[f] := [f | some f in job_deadline.deny] with input as {"objects": [job({"backoffLimit": 3})]}
	f.path == "spec.activeDeadlineSeconds"
	f.kind == "Job"
}

test_cronjob_without_deadline_fails if {
	[f] := [f | some f in job_deadline.deny] with input as {"objects": [cronjob({})]}
	f.path == "spec.jobTemplate.spec.activeDeadlineSeconds"
}

test_deadlines_pass if {
	count(job_deadline.deny) == 0 with input as {"objects": [job({"activeDeadlineSeconds": 600}), cronjob({"activeDeadlineSeconds": 600})]}
}

test_deployment_passes if {
	count(job_deadline.deny) == 0 with input as {"objects": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}, "spec": {}}]}
}
