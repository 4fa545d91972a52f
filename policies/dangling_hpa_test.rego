package kiln.rules.dangling_hpa_test

import data.kiln.rules.dangling_hpa
import rego.v1

hpa(kind, name) := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"maxReplicas": 3, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}}}

deployment := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {}}

test_target_present_passes if {
	count(dangling_hpa.deny) == 0 with input as {"objects": [hpa("Deployment", "web"), deployment]}
	count(dangling_hpa.deny) == 0 with input as {"objects": [hpa("Deployment", "web")]} with data.kiln.inventory as {"Deployment": {"web": [deployment]}}
}

test_target_missing_fails if {
	count(dangling_hpa.deny) == 1 with input as {"objects": [hpa("Deployment", "api"), deployment]}
	count(dangling_hpa.deny) == 1 with input as {"objects": [hpa("StatefulSet", "web"), deployment]}
}

test_target_in_another_namespace_fails if {
	h := object.union(hpa("Deployment", "web"), {"metadata": {"namespace": "a"}})
	d := object.union(deployment, {"metadata": {"namespace": "b"}})
	count(dangling_hpa.deny) == 1 with input as {"objects": [h, d]}
}
