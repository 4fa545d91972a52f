package kiln.rules.dockerfile_user_test

import data.kiln.rules.dockerfile_user
import rego.v1

test_no_user_fails if {
	count(dockerfile_user.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}]}
}

test_root_user_fails if {
	count(dockerfile_user.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "user", "value": ["0:0"], "flags": [], "stage": 0, "line": 2}]}
}

test_user_in_an_earlier_stage_only_fails if {
	count(dockerfile_user.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["a:1", "AS", "b"], "flags": [], "stage": 0, "line": 1}, {"cmd": "user", "value": ["app"], "flags": [], "stage": 0, "line": 2}, {"cmd": "from", "value": ["c:1"], "flags": [], "stage": 1, "line": 3}]}
}

test_non_root_passes if {
	count(dockerfile_user.deny) == 0 with input as {"dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "user", "value": ["root"], "flags": [], "stage": 0, "line": 2}, {"cmd": "user", "value": ["65532"], "flags": [], "stage": 0, "line": 3}]}
}

test_no_dockerfile_passes if {
	count(dockerfile_user.deny) == 0 with input as {"objects": []}
}
