package kiln.rules.dangling_network_policy_test

import data.kiln.rules.dangling_network_policy
import rego.v1

np(selector) := {"kind": "NetworkPolicy", "metadata": {"name": "web"}, "spec": {"podSelector": selector, "policyTypes": ["Ingress"]}}

deployment := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}}

test_selecting_pods_passes if {
	count(dangling_network_policy.deny) == 0 with input as {"objects": [np({"matchLabels": {"app": "web"}}), deployment]}
	count(dangling_network_policy.deny) == 0 with input as {"objects": [np({"matchExpressions": [{"key": "app", "operator": "Exists"}]}), deployment]}
	count(dangling_network_policy.deny) == 0 with input as {"objects": [np({"matchLabels": {"app": "web"}})]}
		with data.kiln.inventory as {"Deployment": {"web": [deployment]}}
}

test_selecting_nothing_fails if {
	count(dangling_network_policy.deny) == 1 with input as {"objects": [np({"matchLabels": {"app": "api"}}), deployment]}
	count(dangling_network_policy.deny) == 1 with input as {"objects": [np({"matchLabels": {"app": "web"}})]}
}

test_empty_selector_passes if {
	count(dangling_network_policy.deny) == 0 with input as {"objects": [np({})]}
}

test_policy_admitting_a_caller_at_another_app_passes if {
	admits := json.patch(np({"matchLabels": {"app": "api"}}), [{"op": "add", "path": "/metadata/annotations", "value": {"kiln.dev/admits-caller": "web"}}])
	count(dangling_network_policy.deny) == 0 with input as {"objects": [admits, deployment]}
}
