package kiln.rules.rbac_pod_exec_test

import data.kiln.rules.rbac_pod_exec
import rego.v1

role(rule) := {"objects": [{"kind": "Role", "metadata": {"name": "r"}, "rules": [rule]}]}

test_create_pods_fails if {
	rbac_pod_exec.deny == {{"kind": "Role", "name": "r", "path": "rules[0]", "msg": "Role/r can create pods"}} with input as role({"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "get"]})
}

test_exec_fails if {
	rbac_pod_exec.deny == {{"kind": "Role", "name": "r", "path": "rules[0]", "msg": "Role/r can exec into pods"}} with input as role({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]})
}

# exec over a WebSocket asks for get on pods/exec.
test_get_exec_fails if {
	count(rbac_pod_exec.deny) == 1 with input as role({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]})
}

test_read_pods_passes if {
	count(rbac_pod_exec.deny) == 0 with input as role({"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]})
}

test_binding_to_admin_fails if {
	{f.msg | some f in rbac_pod_exec.deny} == {"ClusterRoleBinding/b lets its subjects create pods through ClusterRole/admin", "ClusterRoleBinding/b lets its subjects exec into pods through ClusterRole/admin", "ClusterRoleBinding/b lets its subjects attach to pods through ClusterRole/admin"} with input as {"objects": [{"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "admin"}}]}
}
