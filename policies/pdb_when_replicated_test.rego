package kiln.rules.pdb_when_replicated_test

import data.kiln.rules.pdb_when_replicated
import rego.v1

deployment(replicas) := {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}

pdb := {"kind": "PodDisruptionBudget", "metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "a"}}}}

test_replicated_without_pdb_fails if {
	count(pdb_when_replicated.deny) == 1 with input as {"objects": [deployment(3)]}
}

test_autoscaled_without_pdb_fails if {
	hpa := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}, "spec": {"minReplicas": 2, "scaleTargetRef": {"kind": "Deployment", "name": "a"}}}
	autoscaled := {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": []}}}}
	count(pdb_when_replicated.deny) == 1 with input as {"objects": [autoscaled, hpa]}
}

test_replicated_with_pdb_passes if {
	count(pdb_when_replicated.deny) == 0 with input as {"objects": [deployment(3), pdb]}
}

test_single_replica_passes if {
	count(pdb_when_replicated.deny) == 0 with input as {"objects": [deployment(1)]}
}

expressions_pdb(expressions) := {"kind": "PodDisruptionBudget", "metadata": {"name": "a"}, "spec": {"selector": {"matchExpressions": expressions}}}

test_match_expressions_pdb_passes if {
	count(pdb_when_replicated.deny) == 0 with input as {"objects": [deployment(3), expressions_pdb([{"key": "app", "operator": "In", "values": ["a"]}])]}
	count(pdb_when_replicated.deny) == 0 with input as {"objects": [deployment(3), expressions_pdb([{"key": "app", "operator": "Exists"}])]}
	count(pdb_when_replicated.deny) == 0 with input as {"objects": [deployment(3), expressions_pdb([{"key": "tier", "operator": "DoesNotExist"}, {"key": "app", "operator": "NotIn", "values": ["b"]}])]}
}

test_match_expressions_of_another_app_fails if {
	count(pdb_when_replicated.deny) == 1 with input as {"objects": [deployment(3), expressions_pdb([{"key": "app", "operator": "In", "values": ["b"]}])]}
	count(pdb_when_replicated.deny) == 1 with input as {"objects": [deployment(3), expressions_pdb([{"key": "app", "operator": "DoesNotExist"}])]}
}

test_statefulset_labels_fail if {
	sts := {"kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "s"}}, "spec": {"containers": []}}}}
	count(pdb_when_replicated.deny) == 1 with input as {"objects": [sts, pdb]}
}
