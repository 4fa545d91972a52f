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
