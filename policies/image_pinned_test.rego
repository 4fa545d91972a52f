package kiln.rules.image_pinned_test

import data.kiln.rules.image_pinned
import rego.v1

deployment(image) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": image}]}}}}]}

test_latest_fails if {
	image_pinned.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].image", "msg": "image nginx:latest is not pinned to a version"}} with input as deployment("nginx:latest")
}

test_no_tag_fails if {
	count(image_pinned.deny) == 1 with input as deployment("registry.example.com:5000/team/app")
}

test_tag_passes if {
	count(image_pinned.deny) == 0 with input as deployment("registry.example.com:5000/team/app:1.2.3")
}

test_digest_passes if {
	count(image_pinned.deny) == 0 with input as deployment("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
}
