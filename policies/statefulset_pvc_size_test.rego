package kiln.rules.statefulset_pvc_size_test

import data.kiln.rules.statefulset_pvc_size
import rego.v1

sts(claims) := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "a"}, "spec": {"volumeClaimTemplates": claims}}

claim(name, size) := {"metadata": {"name": name}, "spec": {"resources": {"requests": {"storage": size}}}}

test_claim_without_size_fails if {
	[f] := [f | some f in statefulset_pvc_size.deny] with input as {"objects": [sts([claim("a", "1Gi"), {"metadata": {"name": "b"}, "spec": {"accessModes": ["ReadWriteOnce"]}}])]}
	f.path == "spec.volumeClaimTemplates[1].spec.resources.requests.storage"
	not f.severity
}

test_claim_above_default_max_fails if {
	[f] := [f | some f in statefulset_pvc_size.deny] with input as {"objects": [sts([claim("data", "2Ti")])]}
	f.severity == "warning"
	contains(f.msg, "above the maximum of 1Ti")
}

test_claim_above_convention_fails if {
	[f] := [f | some f in statefulset_pvc_size.deny] with input as {"objects": [sts([claim("data", "200Gi")])]}
		with data.kiln.conventions as {"maxVolumeSize": "100Gi"}
	f.severity == "warning"
}

test_claims_within_max_pass if {
	count(statefulset_pvc_size.deny) == 0 with input as {"objects": [sts([claim("a", "1Ti"), claim("b", "500Gi")])]}
}

test_without_claims_passes if {
	count(statefulset_pvc_size.deny) == 0 with input as {"objects": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "a"}, "spec": {}}]}
}
