package kiln.rules.dockerfile_user_numeric_test

import data.kiln.rules.dockerfile_user_numeric
import rego.v1

deployment(pod_sc, ctr_sc) := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"securityContext": pod_sc, "containers": [{"name": "web", "image": "web:1", "securityContext": ctr_sc}]}}}}

dockerfile(user) := [{"cmd": "from", "value": ["node:24"], "flags": [], "stage": 0, "line": 1}, {"cmd": "user", "value": [user], "expanded": [user], "flags": [], "stage": 0, "line": 2}]

app := {"spec": {"image": "web:1"}}

test_named_user_without_run_as_user_fails if {
	[f.dockerfile_line | some f in dockerfile_user_numeric.deny] == [2] with input as {"app": app, "dockerfile": dockerfile("node"), "objects": [deployment({"runAsNonRoot": true}, {})]}
}

test_named_user_and_group_fails if {
	count(dockerfile_user_numeric.deny) == 1 with input as {"app": app, "dockerfile": dockerfile("nonroot:nonroot"), "objects": [deployment({}, {"runAsNonRoot": true})]}
}

test_run_as_user_is_info if {
	[f.severity | some f in dockerfile_user_numeric.deny] == ["info"] with input as {"app": app, "dockerfile": dockerfile("node"), "objects": [deployment({"runAsNonRoot": true, "runAsUser": 1000}, {})]}
}

test_container_run_as_user_is_info if {
	[f.severity | some f in dockerfile_user_numeric.deny] == ["info"] with input as {"app": app, "dockerfile": dockerfile("node"), "objects": [deployment({"runAsNonRoot": true}, {"runAsUser": 1000})]}
}

test_numeric_user_passes if {
	count(dockerfile_user_numeric.deny) == 0 with input as {"app": app, "dockerfile": dockerfile("1000:node"), "objects": [deployment({"runAsNonRoot": true}, {})]}
}

test_container_allows_root_passes if {
	count(dockerfile_user_numeric.deny) == 0 with input as {"app": app, "dockerfile": dockerfile("node"), "objects": [deployment({"runAsNonRoot": true}, {"runAsNonRoot": false})]}
}

test_other_image_passes if {
	count(dockerfile_user_numeric.deny) == 0 with input as {"app": {"spec": {"image": "other:1"}}, "dockerfile": dockerfile("node"), "objects": [deployment({"runAsNonRoot": true}, {})]}
}

test_unknown_build_arg_passes if {
	count(dockerfile_user_numeric.deny) == 0 with input as {"app": app, "dockerfile": dockerfile("${APP_USER}"), "objects": [deployment({"runAsNonRoot": true}, {})]}
}

test_same_run_as_user_passes if {
	count(dockerfile_user_numeric.deny) == 0 with input as {"app": app, "dockerfile": dockerfile("1000:1000"), "objects": [deployment({"runAsNonRoot": true, "runAsUser": 1000}, {})]}
}
