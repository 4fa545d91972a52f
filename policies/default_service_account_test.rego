package kiln.rules.default_service_account_test

import data.kiln.rules.default_service_account
import rego.v1

pod(spec) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": object.union({"containers": []}, spec)}

test_default_account_fails if {
	count(default_service_account.deny) == 1 with input as {"objects": [pod({})]}
	count(default_service_account.deny) == 1 with input as {"objects": [pod({"serviceAccountName": "default"})]}
	count(default_service_account.deny) == 1 with input as {"objects": [pod({"serviceAccount": "default"})]}
}

test_own_account_passes if {
	count(default_service_account.deny) == 0 with input as {"objects": [pod({"serviceAccountName": "web"})]}
	count(default_service_account.deny) == 0 with input as {"objects": [pod({"serviceAccount": "web"})]}
}

test_no_token_passes if {
	count(default_service_account.deny) == 0 with input as {"objects": [pod({"automountServiceAccountToken": false})]}
}
