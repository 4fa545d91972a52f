package kiln.rules.owner_allowed_test

import data.kiln.rules.owner_allowed
import rego.v1

test_unknown_app_owner_fails if {
	count(owner_allowed.deny) == 1 with input as {"app": {"metadata": {"owner": "x"}}, "objects": []} with data.allowed_owners as ["team-a"]
}

test_unknown_label_owner_fails if {
	count(owner_allowed.deny) == 1 with input as {"objects": [{"kind": "Service", "metadata": {"name": "s", "labels": {"kiln.dev/owner": "x"}}}]} with data.allowed_owners as ["team-a"]
}

test_known_owner_passes if {
	count(owner_allowed.deny) == 0 with input as {"app": {"metadata": {"owner": "team-a"}}, "objects": []} with data.allowed_owners as ["team-a"]
}

test_without_data_passes if {
	count(owner_allowed.deny) == 0 with input as {"app": {"metadata": {"owner": "x"}}, "objects": []}
}

test_unknown_plain_owner_label_fails if {
	count(owner_allowed.deny) == 1 with input as {"objects": [{"kind": "Service", "metadata": {"name": "s", "labels": {"owner": "x"}}}]} with data.allowed_owners as ["team-a"]
}
