package kiln.rules.no_privileged_test

import data.kiln.rules.no_privileged
import rego.v1

container(sc) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": sc}]}}}}]}

test_privileged_fails if {
	some f in no_privileged.deny with input as container({"privileged": true, "allowPrivilegeEscalation": false})
	f.path == "spec.template.spec.containers[0].securityContext.privileged"
}

test_unset_passes if {
	count(no_privileged.deny) == 0 with input as container({})
}

test_not_privileged_passes if {
	count(no_privileged.deny) == 0 with input as container({"privileged": false})
}
