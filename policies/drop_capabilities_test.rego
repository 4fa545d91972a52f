package kiln.rules.drop_capabilities_test

import data.kiln.rules.drop_capabilities
import rego.v1

container(caps) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": caps}}]}}}}]}

test_no_drop_fails if {
	count(drop_capabilities.deny) == 1 with input as container({})
}

test_dangerous_add_fails if {
	some f in drop_capabilities.deny with input as container({"drop": ["ALL"], "add": ["SYS_ADMIN"]})
	f.msg == "container a adds capability SYS_ADMIN"
}

test_drop_all_passes if {
	count(drop_capabilities.deny) == 0 with input as container({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
}
