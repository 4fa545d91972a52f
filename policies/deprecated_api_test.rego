package kiln.rules.deprecated_api_test

import data.kiln.rules.deprecated_api
import rego.v1

apis := {
	"v1/Endpoints": {"deprecated": "1.33", "removed": "", "advice": "use discovery.k8s.io/v1 EndpointSlice"},
	"storage.k8s.io/v1beta1/VolumeAttributesClass": {"deprecated": "1.34", "removed": "1.37", "advice": "use storage.k8s.io/v1"},
}

eps := {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "db"}}

vac := {"apiVersion": "storage.k8s.io/v1beta1", "kind": "VolumeAttributesClass", "metadata": {"name": "fast"}}

findings(objs, version) := fs if {
	fs := deprecated_api.deny with input as {"objects": objs}
		with data.kiln.apis as apis
		with data.kiln.context.kubernetes_version as version
}

test_deprecated_with_its_removal_fails if {
	[f] := [f | some f in findings([vac], "1.35")]
	f.path == "apiVersion"
	f.msg == "VolumeAttributesClass/fast: storage.k8s.io/v1beta1 VolumeAttributesClass is deprecated since Kubernetes 1.34 and removed in 1.37; use storage.k8s.io/v1"
}

test_deprecated_without_removal_fails if {
	[f] := [f | some f in findings([eps], "1.34")]
	f.msg == "Endpoints/db: v1 Endpoints is deprecated since Kubernetes 1.33; use discovery.k8s.io/v1 EndpointSlice"
}

# Before its deprecation it is current; once removed, removed-api reports it.
test_before_deprecation_and_after_removal_passes if {
	count(findings([vac], "1.33")) == 0
	count(findings([vac], "1.37")) == 0
	count(findings([eps], "1.32")) == 0
}
