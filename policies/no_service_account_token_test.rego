package kiln.rules.no_service_account_token_test

import data.kiln.rules.no_service_account_token
import rego.v1

test_default_fails if {
	count(no_service_account_token.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}]}
}

test_off_passes if {
	count(no_service_account_token.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"automountServiceAccountToken": false, "containers": [{"name": "a"}]}}}}]}
}
