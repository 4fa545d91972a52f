package kiln.rules.hpa_bounds_test

import data.kiln.rules.hpa_bounds
import rego.v1

test_max_below_min_fails if {
	count(hpa_bounds.deny) == 1 with input as {"objects": [{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}, "spec": {"minReplicas": 3, "maxReplicas": 2}}]}
}

test_default_min_passes if {
	count(hpa_bounds.deny) == 0 with input as {"objects": [{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}, "spec": {"maxReplicas": 1}}]}
}
