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

pod := {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "a"}}, "spec": {"containers": []}}

cronjob := {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}}}

policy_for_a := {"kind": "NetworkPolicy", "metadata": {"name": "a"}, "spec": {"podSelector": {"matchLabels": {"app": "a"}}}}

test_pod_and_cronjob_covered_passes if {
	count(network_policy.deny) == 0 with input as {"objects": [pod, cronjob, policy_for_a]}
}

test_pod_and_cronjob_uncovered_fails if {
	paths := {f.path | some f in network_policy.deny} with input as {"objects": [pod, cronjob]}
	paths == {"metadata.labels", "spec.jobTemplate.spec.template.metadata.labels"}
}

test_match_expressions_passes if {
	np := {"kind": "NetworkPolicy", "metadata": {"name": "a"}, "spec": {"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}}}
	count(network_policy.deny) == 0 with input as {"objects": [deployment, np]}
}

test_match_expressions_of_another_app_fails if {
	np := {"kind": "NetworkPolicy", "metadata": {"name": "a"}, "spec": {"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}}}
	count(network_policy.deny) == 1 with input as {"objects": [deployment, np]}
}

# A NetworkPolicy of another file of the run covers the pods as well.
test_policy_in_the_inventory_passes if {
	d := {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}
	np := {"kind": "NetworkPolicy", "metadata": {"name": "a"}, "spec": {"podSelector": {"matchLabels": {"app": "a"}}}}
	count(network_policy.deny) == 0 with input as {"objects": [d]} with data.kiln.inventory as {"Deployment": {"a": [d]}, "NetworkPolicy": {"a": [np]}}
	count(network_policy.deny) == 1 with input as {"objects": [d]} with data.kiln.inventory as {"Deployment": {"a": [d]}}
}

# One in another namespace does not.
test_policy_of_another_namespace_fails if {
	d := {"kind": "Deployment", "metadata": {"name": "a", "namespace": "x"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}
	np := {"kind": "NetworkPolicy", "metadata": {"name": "a", "namespace": "y"}, "spec": {"podSelector": {}}}
	count(network_policy.deny) == 1 with input as {"objects": [d, np]}
}
