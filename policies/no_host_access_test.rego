package kiln.rules.no_host_access_test

import data.kiln.rules.no_host_access
import rego.v1

pod(spec) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": spec}}}]}

test_host_network_fails if {
	some f in no_host_access.deny with input as pod({"hostNetwork": true, "containers": []})
	f.path == "spec.template.spec.hostNetwork"
}

test_host_pid_fails if {
	count(no_host_access.deny) == 1 with input as pod({"hostPID": true, "containers": []})
}

test_plain_pod_passes if {
	count(no_host_access.deny) == 0 with input as pod({"containers": [], "hostNetwork": false, "volumes": [{"name": "root", "hostPath": {"path": "/"}}]})
}
