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
