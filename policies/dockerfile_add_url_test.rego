package kiln.rules.dockerfile_add_url_test

import data.kiln.rules.dockerfile_add_url
import rego.v1

test_add_url_fails if {
	count(dockerfile_add_url.deny) == 1 with input as {"dockerfile": [{"cmd": "add", "value": ["https://x/t.tgz", "/tmp/"], "flags": [], "stage": 0, "line": 2}]}
}

test_checksum_passes if {
	count(dockerfile_add_url.deny) == 0 with input as {"dockerfile": [{"cmd": "add", "value": ["https://x/t.tgz", "/tmp/"], "flags": ["--checksum=sha256:00"], "stage": 0, "line": 2}]}
}

test_local_add_passes if {
	count(dockerfile_add_url.deny) == 0 with input as {"dockerfile": [{"cmd": "add", "value": ["t.tgz", "/tmp/"], "flags": [], "stage": 0, "line": 2}]}
}
