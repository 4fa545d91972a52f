package kiln.rules.drop_capabilities_test

import data.kiln.rules.drop_capabilities
import rego.v1

container(caps) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": caps}}]}}}}]}

test_no_drop_fails if {
	count(drop_capabilities.deny) == 1 with input as container({})
}

test_dangerous_add_fails if {
	some f in drop_capabilities.deny with input as container({"drop": ["ALL"], "add": ["SYS_ADMIN"]})
	f.msg == "container a adds capability SYS_ADMIN, which is not allowed (allowed: NET_BIND_SERVICE)"
	f.path == "spec.template.spec.containers[0].securityContext.capabilities.add[0]"
}

# Dropping ALL first does not make a capability added after it harmless.
test_every_unlisted_add_after_drop_all_fails if {
	caps := ["NET_RAW", "SYS_TIME", "BPF", "PERFMON", "DAC_READ_SEARCH", "CAP_SYS_ADMIN"]
	paths := {f.path | some f in drop_capabilities.deny} with input as container({"drop": ["ALL"], "add": caps})
	count(paths) == 6
}

test_drop_all_passes if {
	count(drop_capabilities.deny) == 0 with input as container({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
}

test_cap_prefix_and_case_pass if {
	count(drop_capabilities.deny) == 0 with input as container({"drop": ["all"], "add": ["cap_net_bind_service"]})
}

test_repository_allow_list if {
	count(drop_capabilities.deny) == 0 with input as container({"drop": ["ALL"], "add": ["NET_RAW"]})
		with data.kiln.conventions as {"allowedCapabilities": ["NET_RAW"]}
	count(drop_capabilities.deny) == 1 with input as container({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
		with data.kiln.conventions as {"allowedCapabilities": ["NET_RAW"]}
}
