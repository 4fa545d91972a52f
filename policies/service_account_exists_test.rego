package kiln.rules.service_account_exists_test

import data.kiln.rules.service_account_exists
import rego.v1

deployment(pod) := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": object.union({"containers": []}, pod)}}}

sa := {"kind": "ServiceAccount", "metadata": {"name": "web"}}

test_existing_account_passes if {
	count(service_account_exists.deny) == 0 with input as {"objects": [deployment({"serviceAccountName": "web"}), sa]}
	count(service_account_exists.deny) == 0 with input as {"objects": [deployment({"serviceAccountName": "web"})]}
		with data.kiln.inventory as {"ServiceAccount": {"web": [sa]}}
}

test_missing_account_fails if {
	deny := service_account_exists.deny with input as {"objects": [deployment({"serviceAccountName": "api"}), sa]}
	some f in deny
	f.path == "spec.template.spec.serviceAccountName"
	deny2 := service_account_exists.deny with input as {"objects": [deployment({"serviceAccount": "api"})]}
	some f2 in deny2
	f2.path == "spec.template.spec.serviceAccount"
}

test_default_account_is_not_this_rules_concern if {
	count(service_account_exists.deny) == 0 with input as {"objects": [deployment({})]}
	count(service_account_exists.deny) == 0 with input as {"objects": [deployment({"serviceAccountName": "default"})]}
}
