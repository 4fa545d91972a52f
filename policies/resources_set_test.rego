package kiln.rules.resources_set_test

import data.kiln.rules.resources_set
import rego.v1

container(resources) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": resources}]}}}}]}

test_nothing_set_fails if {
	count(resources_set.deny) == 3 with input as container({})
}

test_limit_below_request_fails if {
	some f in resources_set.deny with input as container({"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"memory": "512Mi"}})
	f.msg == "container a limits memory to 512Mi, below its request 1Gi"
}

test_complete_passes if {
	count(resources_set.deny) == 0 with input as container({"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}})
}
