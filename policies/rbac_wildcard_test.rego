package kiln.rules.rbac_wildcard_test

import data.kiln.rules.rbac_wildcard
import rego.v1

role(rules) := {"objects": [{"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": rules}]}

test_wildcard_verbs_fails if {
	rbac_wildcard.deny == {{"kind": "ClusterRole", "name": "r", "path": "rules[1].verbs[0]", "msg": "ClusterRole/r grants every verb (\"*\")"}} with input as role([
		{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
		{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]},
	])
}

test_wildcard_everything_fails_three_times if {
	count(rbac_wildcard.deny) == 3 with input as role([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
}

test_named_passes if {
	count(rbac_wildcard.deny) == 0 with input as role([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}])
}
