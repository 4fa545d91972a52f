package kiln.rules.pdb_allows_eviction_test

import data.kiln.rules.pdb_allows_eviction
import rego.v1

deployment(replicas) := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}}

pdb(spec) := {"kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": object.union({"selector": {"matchLabels": {"app": "web"}}}, spec)}

test_max_unavailable_zero_fails if {
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"maxUnavailable": 0}), deployment(3)]}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"maxUnavailable": "0%"})]}
}

test_min_available_of_every_replica_fails if {
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": 3}), deployment(3)]}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": 4}), deployment(3)]}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": "100%"}), deployment(3)]}
}

test_budget_that_allows_one_passes if {
	count(pdb_allows_eviction.deny) == 0 with input as {"objects": [pdb({"minAvailable": 2}), deployment(3)]}
	count(pdb_allows_eviction.deny) == 0 with input as {"objects": [pdb({"maxUnavailable": 1}), deployment(3)]}
	count(pdb_allows_eviction.deny) == 0 with input as {"objects": [pdb({"minAvailable": "50%"}), deployment(3)]}
}

test_replicas_default_to_one_or_the_autoscaler_minimum if {
	d := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}}
	hpa := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"minReplicas": 3, "maxReplicas": 6, "scaleTargetRef": {"kind": "Deployment", "name": "web"}}}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": 1}), d]}
	count(pdb_allows_eviction.deny) == 0 with input as {"objects": [pdb({"minAvailable": 2}), d, hpa]}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": 3}), d]}
		with data.kiln.inventory as {"Deployment": {"web": [d]}, "HorizontalPodAutoscaler": {"web": [hpa]}}
}

# In a directory of rendered environments, the Deployment of another file
# with the file's own kind and name is another environment's: the budget
# is judged with the file's own.
test_another_rendering_does_not_count if {
	staging := deployment(1)
	count(pdb_allows_eviction.deny) == 0 with input as {"objects": [pdb({"minAvailable": 2}), deployment(3)]}
		with data.kiln.inventory as {"Deployment": {"web": [staging, deployment(3)]}, "PodDisruptionBudget": {"web": [pdb({"minAvailable": 2})]}}
	count(pdb_allows_eviction.deny) == 1 with input as {"objects": [pdb({"minAvailable": 2})]}
		with data.kiln.inventory as {"Deployment": {"web": [staging]}}
}
