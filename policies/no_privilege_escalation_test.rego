package kiln.rules.no_privilege_escalation_test

import data.kiln.rules.no_privilege_escalation
import rego.v1

test_unset_fails if {
	count(no_privilege_escalation.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}]}
}

test_init_container_fails if {
	count(no_privilege_escalation.deny) == 1 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]}}]}
}

test_set_passes if {
	count(no_privilege_escalation.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]}}}}]}
}
