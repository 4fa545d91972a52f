package kiln.rules.literal_secrets_test

import data.kiln.rules.literal_secrets
import rego.v1

env(vars) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "env": vars}]}}}}]}

test_literal_password_fails if {
	some f in literal_secrets.deny with input as env([{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "hunter2"}])
	f.path == "spec.template.spec.containers[0].env[1]"
}

test_secret_ref_passes if {
	count(literal_secrets.deny) == 0 with input as env([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}])
}

test_harmless_names_pass if {
	count(literal_secrets.deny) == 0 with input as env([{"name": "LOG_LEVEL", "value": "info"}])
}
