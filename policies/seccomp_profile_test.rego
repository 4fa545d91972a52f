package kiln.rules.seccomp_profile_test

import data.kiln.rules.seccomp_profile
import rego.v1

test_none_fails if {
	count(seccomp_profile.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}]}
}

test_unconfined_fails if {
	count(seccomp_profile.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}}}}]}
}

test_pod_level_passes if {
	count(seccomp_profile.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a"}]}}}}]}
}

test_every_container_passes if {
	count(seccomp_profile.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost"}}}]}}}}]}
}
