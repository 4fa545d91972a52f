package kiln.rules.read_only_root_filesystem_test

import data.kiln.rules.read_only_root_filesystem
import rego.v1

test_unset_fails if {
	count(read_only_root_filesystem.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}]}
}

test_init_container_fails if {
	count(read_only_root_filesystem.deny) == 1 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": true}}]}}]}
}

test_set_passes if {
	count(read_only_root_filesystem.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": true}}]}}}}]}
}
