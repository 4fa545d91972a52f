package kiln.rules.owner_label_test

import data.kiln.rules.owner_label
import rego.v1

test_unlabelled_fails if {
	count(owner_label.deny) == 1 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {}}}]}
}

test_labelled_passes if {
	count(owner_label.deny) == 0 with input as {"objects": [{"kind": "Service", "metadata": {"name": "a", "labels": {"kiln.dev/owner": "team-a"}}}]}
}
