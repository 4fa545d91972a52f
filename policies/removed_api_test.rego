package kiln.rules.removed_api_test

import data.kiln.rules.removed_api
import rego.v1

apis := {
	"policy/v1beta1/PodDisruptionBudget": {"deprecated": "1.21", "removed": "1.25", "advice": "use policy/v1"},
	"storage.k8s.io/v1beta1/VolumeAttributesClass": {"deprecated": "1.34", "removed": "1.37", "advice": "use storage.k8s.io/v1"},
}

pdb := {"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}}

vac := {"apiVersion": "storage.k8s.io/v1beta1", "kind": "VolumeAttributesClass", "metadata": {"name": "fast"}}

findings(objs, version) := fs if {
	fs := removed_api.deny with input as {"objects": objs}
		with data.kiln.apis as apis
		with data.kiln.context.kubernetes_version as version
}

test_removed_fails if {
	[f] := [f | some f in findings([pdb], "1.34")]
	f.path == "apiVersion"
	f.msg == "PodDisruptionBudget/web: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1"
}

# 1.9 < 1.25 < 1.37 as numbers, not as strings.
test_removed_from_its_release if {
	count(findings([vac], "1.37")) == 1
	count(findings([vac], "1.36")) == 0
}

test_current_passes if {
	obj := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}}
	count(findings([obj], "1.37")) == 0
}

test_no_version_passes if {
	count(findings([pdb], "")) == 0
}
