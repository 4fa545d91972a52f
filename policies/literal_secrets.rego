# METADATA
# title: Secrets are not written as plain values
# description: A password, token or key in an environment value or a ConfigMap is stored in the manifest, the repository and every log of it; names like DB_PASSWORD with a literal value and values shaped like AWS access keys, private keys or API tokens give one away.
# custom:
#   id: literal-secrets
#   severity: error
#   remediation: Move the value to a Kubernetes Secret and reference it (spec.secrets in kiln.yaml, valueFrom.secretKeyRef or a Secret volume in plain manifests); rotate a key that was committed. More names that hold secrets go in conventions.secretNames of .kiln/config.yaml.
package kiln.rules.literal_secrets

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.env[%d]", [c.path, i]), sprintf("environment variable %s holds a literal value; names like it hold secrets", [e.name])) if {
	some c in lib.containers
	some i, e in c.container.env
	is_string(e.value)
	e.value != ""
	secret_name(e.name)
}

deny contains lib.finding(c.object, sprintf("%s.env[%d].value", [c.path, i]), sprintf("environment variable %s holds what looks like %s", [e.name, what])) if {
	some c in lib.containers
	some i, e in c.container.env
	not secret_name(e.name)
	some what in secret_value(e.value)
}

deny contains lib.finding(cm, path(field, key), sprintf("ConfigMap %s key %s holds a literal value; names like it hold secrets", [cm.metadata.name, key])) if {
	some cm in input.objects
	cm.kind == "ConfigMap"
	some field in ["data", "binaryData"]
	some key, value in object.get(cm, field, {})
	is_string(value)
	value != ""
	secret_name(key)
}

deny contains lib.finding(cm, path("data", key), sprintf("ConfigMap %s key %s holds what looks like %s", [cm.metadata.name, key, what])) if {
	some cm in input.objects
	cm.kind == "ConfigMap"
	some key, value in object.get(cm, "data", {})
	not secret_name(key)
	some what in secret_value(value)
}

# path names a ConfigMap key; a key with dots (app.properties) is quoted.
path(field, key) := sprintf("%s.%s", [field, key]) if regex.match(`^[A-Za-z0-9_-]+$`, key)

path(field, key) := sprintf("%s[%s]", [field, json.marshal(key)]) if not regex.match(`^[A-Za-z0-9_-]+$`, key)

secret_name(name) if regex.match(`(?i)(PASSWORD|PASSWD|PASS$|PWD$|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL)`, name)

# A name ending in a KEY word (SIGNING_KEY, ENCRYPTION_KEY, ACCESS_KEY) is
# a key, unless it names a kind of key that is no secret (PUBLIC_KEY,
# PARTITION_KEY). KEY inside a word (KEYCLOAK_URL, MONKEY) is not one.
secret_name(name) if {
	regex.match(`(?i)(^|[_.-])KEY$`, name)
	not regex.match(`(?i)(^|[_.-])(PUBLIC|PRIMARY|PARTITION|SORT|RANGE|HASH|ROUTING|CACHE|FOREIGN|IDEMPOTENCY)[_.-]KEY$`, name)
}

# The repository's own names (conventions.secretNames, regular expressions).
secret_name(name) if {
	some pattern in lib.convention("secretNames", [])
	regex.match(pattern, name)
}

# shapes are the kinds of secret a value can look like, by the shapes
# their issuers give them.
shapes := {
	"an AWS access key": `(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)`,
	"a private key": `-----BEGIN ([A-Z]+ )?PRIVATE KEY-----`,
	"a GitHub token": `(^|[^A-Za-z0-9_])(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}`,
	"a Slack token": `xox[abposr]-[0-9A-Za-z-]{10,}`,
}

# secret_value is what v looks like, for a value shaped like a secret.
secret_value(v) := {what | some what, pattern in shapes; regex.match(pattern, v)} if is_string(v)
