package kiln.rules.registry_allowed_test

import data.kiln.rules.registry_allowed
import rego.v1

test_other_registry_fails if {
	count(registry_allowed.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "quay.io/x/y:1"}]}}}}]} with data.allowed_registries as ["ghcr.io/acme"]
}

test_docker_hub_short_name_fails if {
	count(registry_allowed.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}}}]} with data.allowed_registries as ["ghcr.io/acme"]
}

test_docker_hub_allowed_passes if {
	count(registry_allowed.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}}}]} with data.allowed_registries as ["docker.io/library"]
}

test_allowed_registry_passes if {
	count(registry_allowed.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "ghcr.io/acme/app:1"}]}}}}]} with data.allowed_registries as ["ghcr.io/acme/"]
}

test_prefix_is_not_a_registry_passes if {
	count(registry_allowed.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "ghcr.io/acme-evil/app:1"}]}}}}]} with data.allowed_registries as ["ghcr.io/acme"]
}

test_without_data_passes if {
	count(registry_allowed.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "quay.io/x/y:1"}]}}}}]}
}
