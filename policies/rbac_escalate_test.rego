package kiln.rules.rbac_escalate_test

import data.kiln.rules.rbac_escalate
import rego.v1

role(rule) := {"objects": [{"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [rule]}]}

test_impersonate_fails if {
	rbac_escalate.deny == {{"kind": "ClusterRole", "name": "r", "path": "rules[0].verbs[1]", "msg": "ClusterRole/r grants impersonate"}} with input as role({"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["get", "impersonate"]})
}

test_escalate_and_bind_fail if {
	count(rbac_escalate.deny) == 2 with input as role({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate", "bind"]})
}

test_named_roles_passes if {
	count(rbac_escalate.deny) == 0 with input as role({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "resourceNames": ["view"], "verbs": ["bind"]})
}

test_plain_verbs_pass if {
	count(rbac_escalate.deny) == 0 with input as role({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]})
}
