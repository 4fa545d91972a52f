package kiln.rules.no_host_path_test

import data.kiln.rules.no_host_path
import rego.v1

test_host_path_fails if {
	count(no_host_path.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"volumes": [{"name": "v", "hostPath": {"path": "/var"}}], "containers": [{"name": "a"}]}}}}]}
}

test_empty_dir_passes if {
	count(no_host_path.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"volumes": [{"name": "v", "emptyDir": {}}], "containers": [{"name": "a"}]}}}}]}
}
