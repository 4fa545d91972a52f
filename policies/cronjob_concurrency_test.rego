package kiln.rules.cronjob_concurrency_test

import data.kiln.rules.cronjob_concurrency
import rego.v1

cronjob(spec) := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "a"}, "spec": spec}

test_allow_fails if {
	[f] := [f | some f in cronjob_concurrency.deny] with input as {"objects": [cronjob({"concurrencyPolicy": "Allow"})]}
	f.path == "spec.concurrencyPolicy"
	contains(f.msg, "concurrencyPolicy Allow")
}

test_unset_fails if {
	[f] := [f | some f in cronjob_concurrency.deny] with input as {"objects": [cronjob({"schedule": "0 3 * * *"})]}
	contains(f.msg, "sets no concurrencyPolicy")
}

test_forbid_passes if {
	count(cronjob_concurrency.deny) == 0 with input as {"objects": [cronjob({"concurrencyPolicy": "Forbid"}), cronjob({"concurrencyPolicy": "Replace"})]}
}

test_custom_resource_passes if {
	other := {"apiVersion": "example.com/v1", "kind": "CronJob", "metadata": {"name": "a"}, "spec": {}}
	count(cronjob_concurrency.deny) == 0 with input as {"objects": [other]}
}
