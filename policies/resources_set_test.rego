package kiln.rules.resources_set_test

import data.kiln.rules.resources_set
import rego.v1

container(resources) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": resources}]}}}}]}

test_nothing_set_fails if {
	count(resources_set.deny) == 3 with input as container({})
}

test_limit_below_request_is_not_this_rules_finding_passes if {
	# memory-limit-covers-request reports it; one problem, one finding.
	count(resources_set.deny) == 0 with input as container({"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"memory": "512Mi"}})
}

test_numeric_quantities_passes if {
	count(resources_set.deny) == 0 with input as container({"requests": {"cpu": 1, "memory": 536870912}, "limits": {"memory": 1073741824}})
}

test_complete_passes if {
	count(resources_set.deny) == 0 with input as container({"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}})
}

# Init containers and sidecars (native ones are init containers) are
# judged like the app's container.
test_init_container_without_resources_fails if {
	[f.path | some f in resources_set.deny] == ["spec.template.spec.initContainers[0].resources.limits.memory"] with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {
		"initContainers": [{"name": "shipper", "restartPolicy": "Always", "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}],
		"containers": [{"name": "a", "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "32Mi"}}}],
	}}}}]}
}
