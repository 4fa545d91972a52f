package kiln.rules.image_digest_test

import data.kiln.rules.image_digest
import rego.v1

test_tag_only_fails if {
	count(image_digest.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "ghcr.io/a/b:1.0"}]}}}}]}
}

test_digest_passes if {
	count(image_digest.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "ghcr.io/a/b:1.0@sha256:abc"}]}}}}]}
}

test_latest_is_image_pinned_s_passes if {
	count(image_digest.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "b:latest"}]}}}}]}
}
