package kiln.rules.sla_declared_test

import data.kiln.rules.sla_declared
import rego.v1

test_prod_without_sla_fails if {
	count(sla_declared.deny) == 1 with input as {"environment": "prod", "app": {"spec": {}}}
}

test_prod_with_sla_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "prod", "app": {"spec": {"sla": {"availability": 99.9}}}}
}

test_staging_without_sla_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "staging", "app": {"spec": {}}}
}
