package kiln.rules.namespace_set_test

import data.kiln.rules.namespace_set
import rego.v1

configmap(md) := {"kind": "ConfigMap", "metadata": object.union({"name": "c"}, md)}

test_missing_namespace_fails if {
	namespace_set.deny == {{"kind": "ConfigMap", "name": "c", "path": "metadata", "msg": "ConfigMap/c names no namespace; it lands in the namespace of whoever applies it"}} with input as {"objects": [configmap({})]}
}

test_default_namespace_fails if {
	some f in namespace_set.deny with input as {"objects": [configmap({"namespace": "default"})]}
	f.path == "metadata.namespace"
}

test_namespace_passes if {
	count(namespace_set.deny) == 0 with input as {"objects": [configmap({"namespace": "shop"})]}
}

test_cluster_scoped_passes if {
	count(namespace_set.deny) == 0 with input as {"objects": [{"kind": "ClusterRole", "metadata": {"name": "r"}}]}
	count(namespace_set.deny) == 0 with input as {"objects": [{"kind": "ClusterIssuer", "metadata": {"name": "letsencrypt"}}]}
	count(namespace_set.deny) == 0 with input as {"objects": [{"kind": "StorageClass", "metadata": {"name": "fast"}}]}
}

# kiln's output has no namespace by design: the deploy tool places it.
test_kiln_output_passes if {
	count(namespace_set.deny) == 0 with input as {"app": {"metadata": {"name": "a"}}, "objects": [configmap({})]}
}
