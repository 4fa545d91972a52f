package kiln.rules.memory_limit_covers_request_test

import data.kiln.rules.memory_limit_covers_request
import rego.v1

test_limit_below_request_fails if {
	count(memory_limit_covers_request.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}}]}}}}]}
}

test_units_compare_passes if {
	count(memory_limit_covers_request.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "1Gi"}}}]}}}}]}
}

test_decimal_below_binary_fails if {
	count(memory_limit_covers_request.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "1G"}}}]}}}}]}
}

test_no_limit_passes if {
	count(memory_limit_covers_request.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "1Gi"}}}]}}}}]}
}

test_unreadable_quantity_passes if {
	count(memory_limit_covers_request.deny) == 0 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "lots"}, "limits": {"memory": "1Gi"}}}]}}]}
}

container(resources) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": resources}]}}}}]}

test_numeric_limit_passes if {
	count(memory_limit_covers_request.deny) == 0 with input as container({"requests": {"memory": "512Mi"}, "limits": {"memory": 1073741824}})
}

test_numeric_limit_below_request_fails if {
	some f in memory_limit_covers_request.deny with input as container({"requests": {"memory": "1Gi"}, "limits": {"memory": 536870912}})
	f.msg == "container a limits memory to 536870912, below its request of 1Gi"
}

test_numeric_request_above_limit_fails if {
	count(memory_limit_covers_request.deny) == 1 with input as container({"requests": {"memory": 2147483648}, "limits": {"memory": "1Gi"}})
}

test_other_types_passes if {
	count(memory_limit_covers_request.deny) == 0 with input as container({"requests": {"memory": true}, "limits": {"memory": ["1Gi"]}})
}
