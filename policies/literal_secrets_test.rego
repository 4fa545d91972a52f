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

test_key_names_fails if {
	names := {split(f.path, ".")[4] | some f in literal_secrets.deny} with input as env([
		{"name": "SIGNING_KEY", "value": "k"},
		{"name": "encryption-key", "value": "k"},
		{"name": "AWS_SECRET_ACCESS_KEY", "value": "k"},
		{"name": "STRIPE_KEY", "value": "k"},
		{"name": "KEY", "value": "k"},
	])
	names == {"env[0]", "env[1]", "env[2]", "env[3]", "env[4]"}
}

test_names_that_merely_hold_key_passes if {
	count(literal_secrets.deny) == 0 with input as env([
		{"name": "KEYCLOAK_URL", "value": "https://sso"},
		{"name": "MONKEY", "value": "x"},
		{"name": "KEY_ID", "value": "x"},
		{"name": "JWT_PUBLIC_KEY", "value": "x"},
		{"name": "DYNAMO_PARTITION_KEY", "value": "id"},
		{"name": "REDIS_CACHE_KEY", "value": "x"},
	])
}
