package kiln.rules.run_as_non_root_test

import data.kiln.rules.run_as_non_root
import rego.v1

pod(podSC, containerSC) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"securityContext": podSC, "containers": [{"name": "a", "securityContext": containerSC}]}}}}]}

test_unset_fails if {
	count(run_as_non_root.deny) == 1 with input as pod({}, {})
}

test_container_false_overrides_pod_fails if {
	count(run_as_non_root.deny) == 1 with input as pod({"runAsNonRoot": true}, {"runAsNonRoot": false})
}

test_pod_level_passes if {
	count(run_as_non_root.deny) == 0 with input as pod({"runAsNonRoot": true}, {})
}

test_container_level_passes if {
	count(run_as_non_root.deny) == 0 with input as pod({}, {"runAsNonRoot": true})
}

test_pod_level_on_a_pod_passes if {
	count(run_as_non_root.deny) == 0 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}}]}
}

test_pod_level_on_a_cronjob_passes if {
	count(run_as_non_root.deny) == 0 with input as {"objects": [{"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}}}}}}]}
}

test_unset_on_a_pod_fails if {
	count(run_as_non_root.deny) == 1 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}}]}
}
