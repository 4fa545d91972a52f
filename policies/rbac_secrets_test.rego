package kiln.rules.rbac_secrets_test

import data.kiln.rules.rbac_secrets
import rego.v1

role(rule) := {"objects": [{"kind": "Role", "metadata": {"name": "r"}, "rules": [rule]}]}

test_list_secrets_fails if {
	rbac_secrets.deny == {{"kind": "Role", "name": "r", "path": "rules[0]", "msg": "Role/r can list secrets"}} with input as role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]})
}

test_wildcards_fail if {
	count(rbac_secrets.deny) == 3 with input as role({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
}

test_named_secret_passes if {
	count(rbac_secrets.deny) == 0 with input as role({"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["tls"], "verbs": ["get"]})
}

test_other_group_passes if {
	count(rbac_secrets.deny) == 0 with input as role({"apiGroups": ["apps"], "resources": ["secrets"], "verbs": ["get"]})
	count(rbac_secrets.deny) == 0 with input as role({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]})
}

binding(kind, role_kind, role) := {"kind": kind, "metadata": {"name": "b", "namespace": "n"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}, "subjects": [{"kind": "ServiceAccount", "name": "a", "namespace": "n"}]}

test_binding_to_reading_role_fails if {
	findings := rbac_secrets.deny with input as {"objects": [
		{"kind": "Role", "metadata": {"name": "r", "namespace": "n"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]},
		binding("RoleBinding", "Role", "r"),
	]}
	{f.msg | some f in findings} == {"Role/r can get secrets", "RoleBinding/b lets its subjects get secrets through Role/r"}
}

test_binding_to_edit_fails if {
	count(rbac_secrets.deny) == 3 with input as {"objects": [binding("RoleBinding", "ClusterRole", "edit")]}
}

test_binding_to_view_passes if {
	count(rbac_secrets.deny) == 0 with input as {"objects": [binding("RoleBinding", "ClusterRole", "view")]}
}

test_binding_to_role_of_other_namespace_passes if {
	count(rbac_secrets.deny) == 1 with input as {"objects": [
		{"kind": "Role", "metadata": {"name": "r", "namespace": "other"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]},
		binding("RoleBinding", "Role", "r"),
	]}
}
