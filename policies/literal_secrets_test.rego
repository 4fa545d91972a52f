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

test_db_pass_fails if {
	count(literal_secrets.deny) == 2 with input as env([{"name": "DB_PASS", "value": "hunter2"}, {"name": "MYSQL_PWD", "value": "hunter2"}])
}

test_empty_value_passes if {
	count(literal_secrets.deny) == 0 with input as env([{"name": "DB_PASSWORD", "value": ""}])
}

test_secret_shaped_values_fail if {
	paths := {f.path | some f in literal_secrets.deny} with input as env([
		{"name": "AWS_ID", "value": "AKIAIOSFODNN7EXAMPLE"},
		{"name": "TLS", "value": "-----BEGIN RSA PRIVATE KEY-----\nMIIB..."},
		{"name": "GH", "value": "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
		{"name": "URL", "value": "https://example.com/AKIA"},
	])
	paths == {"spec.template.spec.containers[0].env[0].value", "spec.template.spec.containers[0].env[1].value", "spec.template.spec.containers[0].env[2].value"}
}

configmap(d) := {"objects": [{"kind": "ConfigMap", "metadata": {"name": "c"}, "data": d}]}

test_configmap_password_fails if {
	literal_secrets.deny == {{"kind": "ConfigMap", "name": "c", "path": "data.DB_PASSWORD", "msg": "ConfigMap c key DB_PASSWORD holds a literal value; names like it hold secrets"}} with input as configmap({"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"})
}

test_configmap_private_key_fails if {
	literal_secrets.deny == {{"kind": "ConfigMap", "name": "c", "path": "data[\"tls.pem\"]", "msg": "ConfigMap c key tls.pem holds what looks like a private key"}} with input as configmap({"tls.pem": "-----BEGIN PRIVATE KEY-----\nMIIE"})
}

test_configmap_settings_pass if {
	count(literal_secrets.deny) == 0 with input as configmap({"LOG_LEVEL": "info", "app.properties": "port=8080\n", "ca.crt": "-----BEGIN CERTIFICATE-----\nMII"})
}

test_repository_secret_names_fails if {
	count(literal_secrets.deny) == 1 with input as env([{"name": "STRIPE_CREDS", "value": "x"}])
		with data.kiln.conventions as {"secretNames": ["(?i)_CREDS$"]}
	count(literal_secrets.deny) == 0 with input as env([{"name": "STRIPE_CREDS", "value": "x"}])
}
