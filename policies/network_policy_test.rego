package kiln.rules.network_policy_test

import data.kiln.rules.network_policy
import rego.v1

deployment := {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}

test_uncovered_fails if {
	count(network_policy.deny) == 1 with input as {"objects": [deployment]}
}

test_other_app_policy_fails if {
	np := {"kind": "NetworkPolicy", "metadata": {"name": "b"}, "spec": {"podSelector": {"matchLabels": {"app": "b"}}}}
	count(network_policy.deny) == 1 with input as {"objects": [deployment, np]}
}

test_covered_passes if {
	np := {"kind": "NetworkPolicy", "metadata": {"name": "a"}, "spec": {"podSelector": {"matchLabels": {"app": "a"}}}}
	count(network_policy.deny) == 0 with input as {"objects": [deployment, np]}
}
