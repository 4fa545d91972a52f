package kiln.rules.owner_label_test

import data.kiln.rules.owner_label
import rego.v1

test_unlabelled_fails if {
	count(owner_label.deny) == 1 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {}}}]}
}

test_labelled_passes if {
	count(owner_label.deny) == 0 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {"kiln.dev/owner": "team-a"}}}]}
}

test_plain_owner_label_passes if {
	count(owner_label.deny) == 0 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {"owner": "team-a"}}}]}
}

test_repository_owner_label_passes if {
	count(owner_label.deny) == 0 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {"acme.com/team": "team-a"}}}]}
		with data.kiln.conventions as {"ownerLabel": "acme.com/team"}
}

test_repository_owner_label_missing_fails if {
	owner_label.deny == {{"kind": "Service", "name": "a", "path": "metadata.labels", "msg": "Service/a has no acme.com/team label"}} with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {"team": "team-a"}}}]}
		with data.kiln.conventions as {"ownerLabel": "acme.com/team"}
}
