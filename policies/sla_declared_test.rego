package kiln.rules.sla_declared_test

import data.kiln.rules.sla_declared
import rego.v1

prod := {"environment": "prod", "production": true}

test_prod_without_sla_fails if {
	count(sla_declared.deny) == 1 with input as {"environment": "prod", "app": {"spec": {}}} with data.kiln.context as prod
}

test_prod_with_sla_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "prod", "app": {"spec": {"sla": {"availability": 99.9}}}} with data.kiln.context as prod
}

test_staging_without_sla_fails if {
	[f] := [f | some f in sla_declared.deny] with input as {"environment": "staging", "app": {"spec": {}}} with data.kiln.context as {"environment": "staging", "production": false}
	f.severity == "warning"
}

test_prod_without_sla_is_an_error_fails if {
	[f] := [f | some f in sla_declared.deny] with input as {"environment": "prod", "app": {"spec": {}}} with data.kiln.context as prod
	not f.severity
}

test_staging_with_sla_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "staging", "app": {"spec": {"sla": {"availability": 99.9}}}} with data.kiln.context as {"environment": "staging", "production": false}
}

test_plain_yaml_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "prod", "objects": []} with data.kiln.context as prod
}

test_prod_cronjob_without_sla_passes if {
	count(sla_declared.deny) == 0 with input as {"environment": "prod", "app": {"spec": {"workload": {"kind": "CronJob"}}}} with data.kiln.context as prod
}

test_prod_deployment_without_sla_fails if {
	count(sla_declared.deny) == 1 with input as {"environment": "prod", "app": {"spec": {"workload": {"kind": "Deployment"}}}} with data.kiln.context as prod
}
