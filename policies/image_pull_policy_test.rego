package kiln.rules.image_pull_policy_test

import data.kiln.rules.image_pull_policy
import rego.v1

container(c) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [object.union({"name": "a"}, c)]}}}}]}

test_latest_if_not_present_fails if {
	image_pull_policy.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].imagePullPolicy", "msg": "container a runs mutable image nginx:latest with imagePullPolicy IfNotPresent; nodes keep whichever image they pulled first"}} with input as container({"image": "nginx:latest", "imagePullPolicy": "IfNotPresent"})
}

test_untagged_never_fails if {
	count(image_pull_policy.deny) == 1 with input as container({"image": "registry:5000/team/nginx", "imagePullPolicy": "Never"})
}

test_latest_always_passes if {
	count(image_pull_policy.deny) == 0 with input as container({"image": "nginx:latest", "imagePullPolicy": "Always"})
}

# Kubernetes defaults the policy of a latest image to Always.
test_latest_unset_passes if {
	count(image_pull_policy.deny) == 0 with input as container({"image": "nginx"})
}

test_pinned_if_not_present_passes if {
	count(image_pull_policy.deny) == 0 with input as container({"image": "registry:5000/nginx:1.27", "imagePullPolicy": "IfNotPresent"})
	count(image_pull_policy.deny) == 0 with input as container({"image": "nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "imagePullPolicy": "IfNotPresent"})
}
