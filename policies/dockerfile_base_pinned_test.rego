package kiln.rules.dockerfile_base_pinned_test

import data.kiln.rules.dockerfile_base_pinned
import rego.v1

test_untagged_fails if {
	count(dockerfile_base_pinned.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["golang"], "flags": [], "stage": 0, "line": 1}]}
}

test_latest_fails if {
	count(dockerfile_base_pinned.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["alpine:latest"], "flags": [], "stage": 0, "line": 1}]}
}

test_stage_name_scratch_and_args_passes if {
	count(dockerfile_base_pinned.deny) == 0 with input as {"dockerfile": [{"cmd": "from", "value": ["golang:1.23", "AS", "Build"], "flags": [], "stage": 0, "line": 1}, {"cmd": "from", "value": ["build"], "flags": [], "stage": 1, "line": 2}, {"cmd": "from", "value": ["scratch"], "flags": [], "stage": 2, "line": 3}, {"cmd": "from", "value": ["${BASE}"], "flags": [], "stage": 3, "line": 4}]}
}

test_registry_port_is_not_a_tag_fails if {
	count(dockerfile_base_pinned.deny) == 1 with input as {"dockerfile": [{"cmd": "from", "value": ["localhost:5000/app"], "flags": [], "stage": 0, "line": 1}]}
}
