package kiln.rules.rbac_cluster_admin_test

import data.kiln.rules.rbac_cluster_admin
import rego.v1

binding(kind, role) := {"objects": [{"kind": kind, "metadata": {"name": "b"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}, "subjects": [{"kind": "ServiceAccount", "name": "a"}]}]}

test_cluster_admin_fails if {
	rbac_cluster_admin.deny == {{"kind": "ClusterRoleBinding", "name": "b", "path": "roleRef.name", "msg": "ClusterRoleBinding/b binds the cluster-admin ClusterRole"}} with input as binding("ClusterRoleBinding", "cluster-admin")
	count(rbac_cluster_admin.deny) == 1 with input as binding("RoleBinding", "cluster-admin")
}

test_other_role_passes if {
	count(rbac_cluster_admin.deny) == 0 with input as binding("ClusterRoleBinding", "view")
}
