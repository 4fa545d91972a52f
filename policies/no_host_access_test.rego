package kiln.rules.no_host_access_test

import data.kiln.rules.no_host_access
import rego.v1

pod(spec) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": spec}}}]}

test_host_network_fails if {
	some f in no_host_access.deny with input as pod({"hostNetwork": true, "containers": []})
	f.path == "spec.template.spec.hostNetwork"
}

test_host_path_fails if {
	some f in no_host_access.deny with input as pod({"containers": [], "volumes": [{"name": "root", "hostPath": {"path": "/"}}]})
	f.path == "spec.template.spec.volumes[0].hostPath"
}

test_plain_pod_passes if {
	count(no_host_access.deny) == 0 with input as pod({"containers": [], "volumes": [{"name": "tmp", "emptyDir": {}}]})
}
